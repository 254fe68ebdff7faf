package dev.spindle.launcher.kube.render;

import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Kustomize's {@code commonLabels} for the kinds a job has: the labels go onto every object's
 * {@code metadata.labels} and into the selectors and pod templates that Kustomize's default field specs
 * name (kustomize {@code commonlabels} defaults, the same in v2.0.3 and v5). A field spec with
 * {@code create: false} changes a selector only where the manifest already has one, as Kustomize does.
 */
final class CommonLabels {

    /** One place a kind carries labels: a path of mapping keys (list elements are walked through). */
    private record FieldSpec(String kind, List<String> path, boolean create) {
    }

    private static final List<FieldSpec> SPECS = List.of(
            new FieldSpec("Service", List.of("spec", "selector"), true),
            new FieldSpec("Job", List.of("spec", "selector", "matchLabels"), false),
            new FieldSpec("Job", List.of("spec", "template", "metadata", "labels"), true),
            new FieldSpec("PodDisruptionBudget", List.of("spec", "selector", "matchLabels"), false),
            new FieldSpec("NetworkPolicy", List.of("spec", "podSelector", "matchLabels"), false),
            new FieldSpec("NetworkPolicy", List.of("spec", "ingress", "from", "podSelector", "matchLabels"), false),
            new FieldSpec("NetworkPolicy", List.of("spec", "egress", "to", "podSelector", "matchLabels"), false));

    private CommonLabels() {
    }

    /** Adds {@code labels} (replacing equal keys) to {@code object} wherever Kustomize would. */
    static void apply(ObjectNode object, Map<String, String> labels) {
        if (labels.isEmpty()) {
            return;
        }
        set(object, List.of("metadata", "labels"), true, labels);
        String kind = object.path("kind").asString("");
        for (FieldSpec spec : SPECS) {
            if (spec.kind().equals(kind)) {
                set(object, spec.path(), spec.create(), labels);
            }
        }
    }

    private static void set(JsonNode node, List<String> path, boolean create, Map<String, String> labels) {
        if (node.isArray()) {
            node.forEach(element -> set(element, path, create, labels));
            return;
        }
        if (!node.isObject()) {
            return;
        }
        ObjectNode object = (ObjectNode) node;
        String key = path.get(0);
        JsonNode next = object.get(key);
        if (next == null || next.isNull()) {
            if (!create) {
                return;
            }
            next = object.putObject(key);
        }
        if (path.size() == 1) {
            labels.forEach(((ObjectNode) next)::put);
        } else {
            set(next, path.subList(1, path.size()), create, labels);
        }
    }
}

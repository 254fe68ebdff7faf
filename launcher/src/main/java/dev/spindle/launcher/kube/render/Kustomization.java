package dev.spindle.launcher.kube.render;

import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.zjsonpatch.JsonPatchException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Builds a Kustomize directory of {@code manifests/} from the class path, as {@code kubectl kustomize}
 * would, for the part of Kustomize that the base and the overlays use: {@code bases}, {@code resources},
 * {@code commonLabels} and {@code patchesJson6902}, applied in Kustomize's order (bases and resources,
 * then labels, then patches). Any other field is refused, so a manifest that Kustomize would read
 * differently from {@code spindle render} fails loudly instead of drifting.
 */
final class Kustomization {

    /** Where the launcher jar carries {@code manifests/} (launcher/pom.xml copies it there). */
    static final String ROOT = "manifests";
    static final String FILE = "kustomization.yaml";

    private static final List<String> FIELDS = List.of("bases", "resources", "commonLabels", "patchesJson6902");
    private static final YAMLMapper YAML =
            YAMLMapper.builder().disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private Kustomization() {
    }

    /** The objects of {@code dir} (e.g. {@code manifests/overlays/aks-standard}), in resource order. */
    static List<ObjectNode> build(String dir) {
        String file = dir + "/" + FILE;
        JsonNode k = readAll(file).stream().findFirst()
                .orElseThrow(() -> new IllegalStateException(file + " is empty"));
        for (String field : k.propertyNames()) {
            if (!FIELDS.contains(field)) {
                throw new IllegalStateException(file + ": '" + field + "' is not a field spindle render applies"
                        + " (only " + FIELDS + "); express the change as a JSON 6902 patch file");
            }
        }
        List<ObjectNode> objects = new ArrayList<>();
        for (JsonNode base : k.path("bases")) {
            objects.addAll(build(resolve(dir, base.asString())));
        }
        for (JsonNode resource : k.path("resources")) {
            String path = resolve(dir, resource.asString());
            for (JsonNode doc : readAll(path)) {
                if (!doc.isObject() || !doc.path("kind").isString()) {
                    throw new IllegalStateException(path + ": every document must be a Kubernetes object with a kind");
                }
                objects.add((ObjectNode) doc);
            }
        }
        Map<String, String> labels = new LinkedHashMap<>();
        k.path("commonLabels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString()));
        objects.forEach(o -> CommonLabels.apply(o, labels));
        for (JsonNode patch : k.path("patchesJson6902")) {
            patch(objects, patch, dir, file);
        }
        return objects;
    }

    /** Applies one {@code patchesJson6902} entry to the one object its target names. */
    private static void patch(List<ObjectNode> objects, JsonNode entry, String dir, String file) {
        JsonNode target = entry.path("target");
        String group = target.path("group").asString("");
        String apiVersion = group.isEmpty() ? target.path("version").asString() : group + "/"
                + target.path("version").asString();
        String kind = target.path("kind").asString();
        String name = target.path("name").asString();
        String patchFile = resolve(dir, entry.path("path").asString());
        List<JsonNode> docs = readAll(patchFile);
        if (docs.size() != 1 || !docs.get(0).isArray()) {
            throw new IllegalStateException(patchFile + ": a JSON 6902 patch is one document, a list of operations");
        }
        JsonNode operations = docs.get(0);
        for (int i = 0; i < objects.size(); i++) {
            ObjectNode o = objects.get(i);
            if (apiVersion.equals(o.path("apiVersion").asString()) && kind.equals(o.path("kind").asString())
                    && name.equals(o.path("metadata").path("name").asString())) {
                try {
                    objects.set(i, (ObjectNode) JsonPatch.apply(operations, o));
                } catch (JsonPatchException e) {
                    throw new IllegalStateException(patchFile + " does not apply to " + kind + " " + name + ": "
                            + e.getMessage(), e);
                }
                return;
            }
        }
        throw new IllegalStateException(file + ": no " + apiVersion + " " + kind + " named '" + name
                + "' for the patch " + patchFile);
    }

    /** Every YAML document of a class-path file. */
    static List<JsonNode> readAll(String path) {
        try (InputStream in = Kustomization.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is not on the class path: the launcher jar carries "
                        + ROOT + "/ (launcher/pom.xml copies ../manifests there); rebuild the launcher");
            }
            return parseAll(new String(in.readAllBytes(), StandardCharsets.UTF_8), path);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + path + " from the class path", e);
        }
    }

    /** Every YAML document of {@code text} (empty documents left out); {@code source} names it in errors. */
    static List<JsonNode> parseAll(String text, String source) {
        List<JsonNode> docs = new ArrayList<>();
        // Document by document: readValues would also split a top-level list (a patch file) into items.
        try (JsonParser parser = YAML.createParser(text)) {
            for (JsonNode doc = YAML.readTree(parser); doc != null; doc = YAML.readTree(parser)) {
                if (!doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        } catch (JacksonException e) {
            throw new IllegalStateException(source + " is not valid YAML: " + e.getOriginalMessage(), e);
        }
        return docs;
    }

    /** {@code dir/relative}, normalized ({@code ../} resolved) as a class-path name. */
    private static String resolve(String dir, String relative) {
        String path = URI.create(dir + "/").resolve(relative).normalize().getPath();
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}

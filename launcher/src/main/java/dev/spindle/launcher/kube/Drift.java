package dev.spindle.launcher.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Differences between what the templates render for a job and what is live, in the sense of server-side
 * apply: every field the launcher renders must have the rendered value live; fields it does not render
 * (server defaults, status, {@code managedFields}, labels others added) are not drift. Lists of named
 * things (containers, env, ports, volumes) are matched by name, other lists by position; quantities
 * compare by amount ({@code 1000m} is {@code 1}).
 *
 * @param object kind and name, e.g. {@code Job gpt-worker}
 * @param path dotted path inside it, e.g. {@code spec.template.spec.containers[worker].image}
 * @param live the live value (JSON), or {@code null} when the field or object is missing
 * @param rendered the rendered value (JSON)
 */
public record Drift(String object, String path, String live, String rendered) {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** fabric8's own serialization: the model's quantities and int-or-strings as the API server writes them. */
    private static final KubernetesSerialization KUBE_JSON = new KubernetesSerialization();

    /**
     * Fields never compared: the generated Secret's keys (never printed, and rendered without them) and the
     * coordinator's status.json (it changes as the job runs).
     */
    private static final Set<String> IGNORED = Set.of("Secret:data", "ConfigMap:status:data");

    /** One line for the drift report. */
    public String line() {
        if (live == null && path.isEmpty()) {
            return object + ": missing on the cluster";
        }
        return object + ": " + path + ": live " + (live == null ? "<missing>" : live) + ", rendered " + rendered;
    }

    /**
     * The drift of every rendered object against {@code live}, which returns the live object of a rendered
     * one or {@code null} when there is none.
     */
    static List<Drift> between(List<HasMetadata> rendered, Function<HasMetadata, HasMetadata> live) {
        List<Drift> drift = new ArrayList<>();
        for (HasMetadata want : rendered) {
            String object = want.getKind() + " " + want.getMetadata().getName();
            HasMetadata have = live.apply(want);
            if (have == null) {
                drift.add(new Drift(object, "", null, "the whole object"));
                continue;
            }
            compare(object, skipKey(want), "", tree(want), tree(have), drift);
        }
        return drift;
    }

    private static JsonNode tree(HasMetadata resource) {
        try {
            return JSON.readTree(KUBE_JSON.asJson(resource));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("fabric8 wrote JSON that Jackson cannot read back", e);
        }
    }

    /** Which top-level field of this object is not compared, e.g. {@code data} of the Secret. */
    private static String skipKey(HasMetadata want) {
        String name = want.getMetadata().getName();
        for (String ignored : IGNORED) {
            String[] parts = ignored.split(":");
            if (parts[0].equals(want.getKind()) && (parts.length == 2 || name.endsWith("-" + parts[1]))) {
                return parts[parts.length - 1];
            }
        }
        return "";
    }

    private static void compare(String object, String skip, String path, JsonNode want, JsonNode have, List<Drift> out) {
        if (want == null || want.isNull() || isEmptyContainer(want) && (have == null || have.isMissingNode()
                || have.isNull() || isEmptyContainer(have))) {
            return;
        }
        if (want.isObject()) {
            if (have == null || !have.isObject()) {
                out.add(new Drift(object, path, text(have), want.toString()));
                return;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> field = it.next();
                if (path.isEmpty() && (field.getKey().equals(skip) || field.getKey().equals("status"))) {
                    continue;
                }
                String child = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                compare(object, skip, child, field.getValue(), have.get(field.getKey()), out);
            }
        } else if (want.isArray()) {
            compareArray(object, skip, path, want, have, out);
        } else if (!sameScalar(path, want, have)) {
            out.add(new Drift(object, path, text(have), want.toString()));
        }
    }

    private static void compareArray(String object, String skip, String path, JsonNode want, JsonNode have,
            List<Drift> out) {
        if (have == null || !have.isArray()) {
            out.add(new Drift(object, path, text(have), want.toString()));
            return;
        }
        boolean named = true;
        for (JsonNode element : want) {
            named &= element.isObject() && element.path("name").isTextual();
        }
        if (!named && want.size() != have.size()) {
            out.add(new Drift(object, path, have.toString(), want.toString()));
            return;
        }
        for (int i = 0; i < want.size(); i++) {
            JsonNode element = want.get(i);
            if (named) {
                String name = element.get("name").asText();
                compare(object, skip, path + "[" + name + "]", element, byName(have, name), out);
            } else {
                compare(object, skip, path + "[" + i + "]", element, have.get(i), out);
            }
        }
    }

    private static JsonNode byName(JsonNode list, String name) {
        for (JsonNode element : list) {
            if (name.equals(element.path("name").asText(null))) {
                return element;
            }
        }
        return null;
    }

    /** Quantities under resources compare by amount; everything else by its JSON text. */
    private static boolean sameScalar(String path, JsonNode want, JsonNode have) {
        if (have == null || have.isNull() || have.isMissingNode()) {
            return false;
        }
        if (path.contains("resources.limits.") || path.contains("resources.requests.")) {
            try {
                return new Quantity(want.asText()).getNumericalAmount()
                        .compareTo(new Quantity(have.asText()).getNumericalAmount()) == 0;
            } catch (IllegalArgumentException notAQuantity) {
                return want.asText().equals(have.asText());
            }
        }
        return want.equals(have) || want.isValueNode() && have.isValueNode() && want.asText().equals(have.asText());
    }

    private static boolean isEmptyContainer(JsonNode node) {
        return (node.isObject() || node.isArray()) && node.isEmpty();
    }

    private static String text(JsonNode node) {
        return node == null || node.isMissingNode() ? null : node.toString();
    }
}

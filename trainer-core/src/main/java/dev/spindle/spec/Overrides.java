package dev.spindle.spec;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;

/**
 * Command-line overrides such as {@code spec.training.steps=30} applied to the parsed tree before
 * binding, so that an overridden value is checked exactly like one written in the file (and a path
 * that is not a field is reported as an unknown field).
 */
final class Overrides {

    private static final String FORM = "path=value with a dotted path from the document root, e.g. spec.training.steps=30";

    private Overrides() {
    }

    /** Applies each override to {@code root} in order; bad overrides become problems and are skipped. */
    static void apply(ObjectNode root, List<String> overrides, List<Problem> problems) {
        for (int i = 0; i < overrides.size(); i++) {
            String override = overrides.get(i);
            String where = "overrides[" + i + "]";
            int eq = override == null ? -1 : override.indexOf('=');
            if (eq < 0) {
                problems.add(new Problem(where, Problem.render(override), FORM));
                continue;
            }
            String path = override.substring(0, eq).trim();
            String[] keys = path.split("\\.", -1);
            if (path.isEmpty() || Arrays.stream(keys).anyMatch(String::isBlank)) {
                problems.add(new Problem(where, Problem.render(override), FORM));
                continue;
            }
            JsonNode value = parseValue(path, override.substring(eq + 1), problems);
            if (value != null) {
                set(root, path, keys, value, problems);
            }
        }
    }

    /** A YAML scalar or flow collection; an empty value is null, which means "use the default". */
    private static JsonNode parseValue(String path, String text, List<Problem> problems) {
        if (text.isBlank()) {
            return NullNode.instance;
        }
        try {
            JsonNode value = SpecReader.YAML.readTree(text);
            return value.isMissingNode() ? NullNode.instance : value;
        } catch (JacksonException e) {
            problems.add(new Problem(path, Problem.render(text), "a YAML scalar or flow collection, e.g. 30, adamw or"
                    + " [a, b] (the override's value does not parse: " + SpecReader.firstLine(e.getOriginalMessage()) + ")"));
            return null;
        }
    }

    private static void set(ObjectNode root, String path, String[] keys, JsonNode value, List<Problem> problems) {
        ObjectNode at = root;
        StringBuilder walked = new StringBuilder();
        for (int k = 0; k < keys.length - 1; k++) {
            walked.append(k == 0 ? "" : ".").append(keys[k]);
            JsonNode next = at.get(keys[k]);
            if (next == null || next.isNull()) {
                next = at.putObject(keys[k]);
            } else if (!next.isObject()) {
                problems.add(new Problem(walked.toString(), Problem.render(next),
                        "a mapping, to set '" + path + "' by override"));
                return;
            }
            at = (ObjectNode) next;
        }
        at.set(keys[keys.length - 1], value);
    }
}

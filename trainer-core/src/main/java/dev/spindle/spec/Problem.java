package dev.spindle.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One thing wrong with a job spec: where, what was found, and what was expected.
 *
 * <p>{@code path} is dotted from the document root ({@code spec.optimizer.schedule.warmupSteps},
 * list elements as {@code features[2]}); {@code value} is the offending value written as YAML (strings
 * in single quotes, so that they never read like the words {@link #MISSING} or {@link #UNKNOWN_FIELD}),
 * or one of those two words.
 *
 * <pre>{@code
 * new Problem("spec.training.steps", "-5", "a whole number >= 1").toString()
 * // spec.training.steps: got -5, expected a whole number >= 1
 * }</pre>
 */
public record Problem(String path, String value, String expected) {

    /** The {@code value} of a required field that is absent. */
    public static final String MISSING = "missing";

    /** The {@code value} of a field the spec does not define. */
    public static final String UNKNOWN_FIELD = "unknown field";

    /** Longest value text kept in a problem; a whole pasted document would drown the message. */
    private static final int MAX_VALUE_CHARS = 80;

    public Problem {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(expected, "expected");
    }

    /**
     * One line, e.g. {@code spec.training.steps: got -5, expected a whole number >= 1}, or for an unknown
     * field {@code spec.trainng: unknown field, expected one of [model, data, optimizer, training,
     * checkpoint] (did you mean 'training'?)}.
     */
    @Override
    public String toString() {
        boolean word = MISSING.equals(value) || UNKNOWN_FIELD.equals(value);
        return path + ": " + (word ? value : "got " + value) + ", expected " + expected;
    }

    /** A Java value as it would read in YAML: strings quoted, numbers and booleans plain. */
    static String render(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof JsonNode node) {
            return renderNode(node);
        }
        if (value instanceof CharSequence text) {
            return clip("'" + text.toString().replace("'", "''") + "'");
        }
        return clip(String.valueOf(value));
    }

    private static String renderNode(JsonNode node) {
        if (node.isTextual()) {
            return render(node.textValue());
        }
        if (node.isNull() || node.isMissingNode()) {
            return "null";
        }
        // Containers and scalars other than text: compact JSON is valid YAML flow syntax.
        return clip(node.toString());
    }

    private static String clip(String text) {
        return text.length() <= MAX_VALUE_CHARS ? text : text.substring(0, MAX_VALUE_CHARS - 3) + "...";
    }
}

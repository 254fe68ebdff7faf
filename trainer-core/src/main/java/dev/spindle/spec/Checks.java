package dev.spindle.spec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Collects the problems of one record's compact constructor, so that a record reports all its bad
 * fields at once. Each spec record sits at one fixed place in the document, so the paths are absolute.
 */
final class Checks {

    private final String base;
    private final List<Problem> problems = new ArrayList<>();

    /** @param base the record's path from the document root, {@code ""} for the root */
    Checks(String base) {
        this.base = base;
    }

    String path(String field) {
        return base.isEmpty() ? field : base + "." + field;
    }

    void fail(String field, Object value, String expected) {
        problems.add(new Problem(path(field), Problem.render(value), expected));
    }

    void missing(String field, String expected) {
        problems.add(new Problem(path(field), Problem.MISSING, expected));
    }

    void add(Problem problem) {
        problems.add(problem);
    }

    /** A required object; returns whether it is there. */
    boolean present(String field, Object value, String expected) {
        if (value == null) {
            missing(field, expected);
            return false;
        }
        return true;
    }

    void atLeast(String field, long value, long min) {
        if (value < min) {
            fail(field, value, "a whole number >= " + min);
        }
    }

    void positive(String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            fail(field, value, "a number > 0");
        }
    }

    void nonNegative(String field, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            fail(field, value, "a number >= 0");
        }
    }

    /** {@code [0, 1)}, or {@code [0, 1]} when {@code oneAllowed}. */
    void fraction(String field, double value, boolean oneAllowed) {
        boolean ok = value >= 0 && (oneAllowed ? value <= 1 : value < 1);
        if (!ok) {
            fail(field, value, oneAllowed ? "a number in [0, 1]" : "a number in [0, 1)");
        }
    }

    /** A required string that must be one of {@code allowed}. */
    void oneOf(String field, String value, List<String> allowed) {
        String expected = "one of " + allowed;
        if (value == null) {
            missing(field, expected);
        } else if (!allowed.contains(value)) {
            fail(field, value, expected + Suggestions.hint(value, allowed));
        }
    }

    /** A required string with some non-space text. */
    void nonBlank(String field, String value, String expected) {
        if (value == null) {
            missing(field, expected);
        } else {
            optionalNonBlank(field, value, expected);
        }
    }

    /** An optional string: absent is fine, blank is not. */
    void optionalNonBlank(String field, String value, String expected) {
        if (value != null && value.isBlank()) {
            fail(field, value, expected);
        }
    }

    void matches(String field, String value, Pattern pattern, String expected) {
        if (value == null) {
            missing(field, expected);
        } else if (!pattern.matcher(value).matches()) {
            fail(field, value, expected);
        }
    }

    /** A list of non-blank, distinct strings; {@code minSize} 1 makes it required-non-empty. */
    void names(String field, List<String> values, int minSize, String what) {
        if (values.size() < minSize) {
            fail(field, values, "a list of at least " + minSize + " " + what);
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            String at = field + "[" + i + "]";
            if (v == null || v.isBlank()) {
                fail(at, v, "a non-empty " + what);
            } else if (!seen.add(v)) {
                fail(at, v, "each " + what + " once; it is already listed");
            }
        }
    }

    /** True while no problem was found. */
    boolean noProblems() {
        return problems.isEmpty();
    }

    void throwIfAny() {
        if (!problems.isEmpty()) {
            throw new SpecException(problems);
        }
    }
}

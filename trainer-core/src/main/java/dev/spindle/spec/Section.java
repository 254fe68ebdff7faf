package dev.spindle.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One YAML mapping being bound to one spec record: typed reads that turn wrong YAML types into problems
 * with the field's path, unknown-key detection against the record's components, and a guarded call of
 * the record's constructor that adds its validation problems to the same list.
 */
final class Section {

    private final JsonNode node;
    private final String path;
    private final Class<? extends Record> type;
    private final List<Problem> problems;
    private final Set<String> fields = new HashSet<>();
    /**
     * Paths already reported (wrong type, missing, failed child section). The constructor still runs, with
     * a default or placeholder there, to find the record's other problems; what it says about these
     * paths would only repeat or contradict the first report, and the record it builds is not used.
     */
    private final Set<String> reported = new HashSet<>();

    Section(JsonNode node, String path, Class<? extends Record> type, List<Problem> problems) {
        this.node = node;
        this.path = path;
        this.type = type;
        this.problems = problems;
        List<String> names = fieldNames(type);
        fields.addAll(names);
        Iterator<String> keys = node.fieldNames();
        while (keys.hasNext()) {
            String key = keys.next();
            if (!fields.contains(key)) {
                problems.add(new Problem(path(key), Problem.UNKNOWN_FIELD, "one of " + names + Suggestions.hint(key, names)));
            }
        }
    }

    /** The record's component names, which are the YAML keys, in declaration order. */
    static List<String> fieldNames(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents()).map(c -> c.getName()).toList();
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    String text(String key) {
        JsonNode v = get(key);
        if (v == null) {
            return null;
        }
        if (v.isTextual()) {
            return v.textValue();
        }
        return wrongType(key, v, v.isValueNode() ? "a string (put the value in quotes)" : "a string", null);
    }

    /** A required whole number: absent is a problem here because a primitive cannot say "absent". */
    long requiredWhole(String key) {
        if (get(key) == null) {
            problems.add(new Problem(path(key), Problem.MISSING, "a whole number"));
            reported.add(path(key));
            return 0L;
        }
        return whole(key, 0, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    long whole(String key, long dflt) {
        return whole(key, dflt, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    int requiredInteger(String key) {
        return toInt(key, requiredWhole(key));
    }

    int integer(String key, int dflt) {
        return toInt(key, whole(key, dflt, Integer.MIN_VALUE, Integer.MAX_VALUE));
    }

    double number(String key, double dflt) {
        JsonNode v = get(key);
        if (v == null) {
            return dflt;
        }
        return v.isNumber() ? v.doubleValue() : wrongType(key, v, "a number", dflt);
    }

    /** An optional number whose default depends on other fields; {@code null} when absent. */
    Double optionalNumber(String key) {
        return get(key) == null ? null : number(key, 0);
    }

    boolean flag(String key, boolean dflt) {
        JsonNode v = get(key);
        if (v == null) {
            return dflt;
        }
        return v.isBoolean() ? v.booleanValue() : wrongType(key, v, "true or false", dflt);
    }

    /** A list of strings, {@code null} when absent. */
    List<String> texts(String key) {
        JsonNode v = get(key);
        if (v == null) {
            return null;
        }
        if (!v.isArray()) {
            return wrongType(key, v, "a list of strings, e.g. [a, b]", null);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (e.isTextual()) {
                out.add(e.textValue());
            } else {
                wrongType(key + "[" + i + "]", e, "a string", null);
                reported.add(path(key));
            }
        }
        return out;
    }

    /** A mapping of string values, {@code null} when absent. */
    Map<String, String> textMap(String key) {
        JsonNode v = get(key);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            return wrongType(key, v, "a mapping of names to strings", null);
        }
        Map<String, String> out = new LinkedHashMap<>();
        v.properties().forEach(e -> {
            if (e.getValue().isTextual()) {
                out.put(e.getKey(), e.getValue().textValue());
            } else {
                wrongType(key + "." + e.getKey(), e.getValue(), "a string (put the value in quotes)", null);
                reported.add(path(key));
            }
        });
        return out;
    }

    /** The raw tree under {@code key}, {@code null} when absent; its owner validates it. */
    JsonNode raw(String key) {
        return get(key);
    }

    /**
     * Binds the mapping under {@code key} to record {@code childType}; {@code null} when absent or when it
     * could not be built (then its problems are already reported).
     */
    <T extends Record> T child(String key, Class<T> childType, Function<Section, T> binder) {
        JsonNode v = get(key);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            problems.add(new Problem(path(key), Problem.render(v), "a mapping with fields " + fieldNames(childType)));
            reported.add(path(key));
            return null;
        }
        T built = binder.apply(new Section(v, path(key), childType, problems));
        if (built == null) {
            reported.add(path(key));
        }
        return built;
    }

    /**
     * Binds the list of mappings under {@code key}, element {@code i} at path {@code key[i]}; {@code null} when
     * absent; an element that could not be built is left out (its problems are already reported).
     */
    <T extends Record> List<T> children(String key, Class<T> childType, Function<Section, T> binder) {
        JsonNode v = get(key);
        if (v == null) {
            return null;
        }
        if (!v.isArray()) {
            return wrongType(key, v, "a list of mappings with fields " + fieldNames(childType), null);
        }
        List<T> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            String at = key + "[" + i + "]";
            JsonNode e = v.get(i);
            T built = e.isObject() ? binder.apply(new Section(e, path(at), childType, problems))
                    : wrongType(at, e, "a mapping with fields " + fieldNames(childType), null);
            if (built == null) {
                reported.add(path(key));
            } else {
                out.add(built);
            }
        }
        return out;
    }

    /**
     * A Kubernetes quantity such as {@code 16Gi} or {@code "4"}: YAML reads a bare {@code 4} or {@code 0.5}
     * as a number, which Kubernetes takes as that quantity, so a number is accepted and kept as its text.
     */
    String quantity(String key, String dflt) {
        JsonNode v = get(key);
        if (v == null) {
            return dflt;
        }
        if (v.isTextual()) {
            return v.textValue();
        }
        return v.isNumber() ? v.asText() : wrongType(key, v, "a Kubernetes quantity such as \"4\" or 16Gi", dflt);
    }

    /**
     * Runs the record's constructor and collects its problems, except those about paths already
     * reported; returns the record only when this section had no problem at all.
     */
    <T> T build(Supplier<T> constructor) {
        try {
            T built = constructor.get();
            return reported.isEmpty() ? built : null;
        } catch (SpecException e) {
            e.problems().stream().filter(p -> !reported.contains(p.path())).forEach(problems::add);
            return null;
        }
    }

    private JsonNode get(String key) {
        if (!fields.contains(key)) {
            throw new IllegalStateException(key + " is not a component of " + type.getSimpleName());
        }
        JsonNode v = node.get(key);
        // "key:" with nothing after it and "key: null" both mean "use the default".
        return v == null || v.isNull() ? null : v;
    }

    private long whole(String key, long dflt, long min, long max) {
        JsonNode v = get(key);
        if (v == null) {
            return dflt;
        }
        if (!v.isNumber() || !v.canConvertToExactIntegral()) {
            return wrongType(key, v, "a whole number", dflt);
        }
        BigInteger b = v.bigIntegerValue();
        if (b.compareTo(BigInteger.valueOf(min)) < 0 || b.compareTo(BigInteger.valueOf(max)) > 0) {
            return wrongType(key, v, "a whole number from " + min + " to " + max, dflt);
        }
        return b.longValueExact();
    }

    private int toInt(String key, long value) {
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            return wrongType(key, get(key), "a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE, 0);
        }
        return (int) value;
    }

    private <T> T wrongType(String key, JsonNode v, String expected, T fallback) {
        problems.add(new Problem(path(key), Problem.render(v), expected));
        reported.add(path(key));
        return fallback;
    }
}

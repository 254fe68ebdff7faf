package dev.spindle.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spindle.model.gpt.Gpt;
import dev.spindle.model.mlp.Mlp;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The architectures a job spec can name, and the one place that turns a {@code spec.model} node into
 * a {@link Model}.
 *
 * <pre>{@code
 * ModelRegistry models = ModelRegistry.defaults();
 * List<String> problems = models.validate("gpt", configNode);   // empty = valid
 * try (Model model = models.create("gpt", configNode, manager)) { ... }
 * }</pre>
 */
public final class ModelRegistry {

    /** Where a model configuration sits in a job spec; problem lines start with it. */
    public static final String CONFIG_PATH = "spec.model.config";

    /** Where the architecture name sits in a job spec. */
    public static final String ARCHITECTURE_PATH = "spec.model.architecture";

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            // a spec that says "heads: 3.5" or "heads: '4'" is a mistake, not something to round
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final Map<String, Architecture<?>> architectures = new LinkedHashMap<>();

    /** An empty registry; see {@link #defaults()} for the built-in architectures. */
    public ModelRegistry() {}

    /** A registry holding {@code gpt} and {@code mlp}. */
    public static ModelRegistry defaults() {
        return new ModelRegistry().register(Gpt.ARCHITECTURE).register(Mlp.ARCHITECTURE);
    }

    /**
     * Adds an architecture.
     *
     * @throws IllegalArgumentException if its name is already registered
     */
    public ModelRegistry register(Architecture<?> architecture) {
        String name = architecture.name();
        if (architectures.containsKey(name)) {
            throw new IllegalArgumentException("architecture '" + name + "' is already registered ("
                    + architectures.get(name).getClass().getName() + "); pick another name");
        }
        architectures.put(name, architecture);
        return this;
    }

    /** The registered names, in registration order. */
    public Set<String> names() {
        return java.util.Collections.unmodifiableSet(architectures.keySet());
    }

    /**
     * Checks a configuration without building anything. Returns one line per problem, e.g.
     * {@code spec.model.config.heads: got 3, expected a divisor of hiddenSize (128)}; unknown keys
     * and an unknown architecture are problems too. An empty list means the configuration is valid.
     *
     * @param config the {@code spec.model.config} node; {@code null} or missing means all defaults
     */
    public List<String> validate(String architecture, JsonNode config) {
        Architecture<?> found = architectures.get(architecture);
        if (found == null) {
            return List.of(ARCHITECTURE_PATH + ": got '" + architecture + "', expected one of "
                    + architectures.keySet());
        }
        ObjectNode node = asObject(config);
        if (node == null) {
            return List.of(CONFIG_PATH + ": got " + config.getNodeType().name().toLowerCase()
                    + " " + config + ", expected an object of " + keys(found.configType()));
        }
        List<String> problems = new ArrayList<>();
        List<String> known = keys(found.configType());
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                problems.add(CONFIG_PATH + "." + key + ": unknown key, expected one of " + known);
            }
        }
        // bind what is left so that bad values are reported together with unknown keys
        ObjectNode knownOnly = node.deepCopy();
        knownOnly.retain(known);
        try {
            MAPPER.treeToValue(knownOnly, found.configType());
        } catch (JsonProcessingException e) {
            problems.addAll(describe(e, knownOnly));
        }
        return problems;
    }

    /**
     * Binds the configuration to the architecture's record and builds the model.
     *
     * @throws ModelConfigException carrying {@link #validate}'s lines when the configuration is
     *     invalid
     */
    public Model create(String architecture, JsonNode config, NDManager manager) {
        ModelConfigException.throwIfAny(validate(architecture, config));
        return bindAndCreate(architectures.get(architecture), asObject(config), manager);
    }

    private static <C extends Record> Model bindAndCreate(
            Architecture<C> architecture, ObjectNode config, NDManager manager) {
        C bound;
        try {
            bound = MAPPER.treeToValue(config, architecture.configType());
        } catch (JsonProcessingException e) {
            throw new ModelConfigException(describe(e, config));
        }
        return architecture.create(bound, manager);
    }

    private static ObjectNode asObject(JsonNode config) {
        if (config == null || config.isMissingNode() || config.isNull()) {
            return JsonNodeFactory.instance.objectNode();
        }
        return config.isObject() ? (ObjectNode) config : null;
    }

    private static List<String> keys(Class<? extends Record> type) {
        List<String> keys = new ArrayList<>();
        for (RecordComponent component : type.getRecordComponents()) {
            keys.add(component.getName());
        }
        return keys;
    }

    private static List<String> describe(JsonProcessingException e, JsonNode config) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ModelConfigException invalid) {
                List<String> lines = new ArrayList<>();
                for (String problem : invalid.problems()) {
                    lines.add(CONFIG_PATH + "." + problem);
                }
                return lines;
            }
        }
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            StringBuilder path = new StringBuilder(CONFIG_PATH);
            JsonNode value = config;
            for (JsonMappingException.Reference ref : mapping.getPath()) {
                if (ref.getFieldName() != null) {
                    path.append('.').append(ref.getFieldName());
                    value = value == null ? null : value.get(ref.getFieldName());
                } else {
                    path.append('[').append(ref.getIndex()).append(']');
                    value = value == null ? null : value.get(ref.getIndex());
                }
            }
            return List.of(path + ": got " + value + ", " + expectation(e));
        }
        return List.of(CONFIG_PATH + ": " + e.getOriginalMessage());
    }

    private static String expectation(JsonProcessingException e) {
        Class<?> target = e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m
                ? m.getTargetType() : null;
        if (target == null) {
            return "which cannot be read: " + e.getOriginalMessage();
        }
        if (target == int.class || target == Integer.class || target == long.class
                || target == Long.class) {
            return "expected an integer";
        }
        if (target == double.class || target == Double.class || target == float.class) {
            return "expected a number";
        }
        if (target == boolean.class || target == Boolean.class) {
            return "expected true or false";
        }
        if (List.class.isAssignableFrom(target)) {
            return "expected a list";
        }
        return "expected a " + target.getSimpleName();
    }
}

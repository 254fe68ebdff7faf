package dev.spindle.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * Which model to build: a registry name and that architecture's own settings. The settings stay a JSON
 * tree here because only the architecture knows its fields; the model registry binds {@code config} to
 * the architecture's record (e.g. {@code GptConfig}) and rejects unknown keys there.
 *
 * <pre>{@code
 * ModelSpec gpt = new ModelSpec("gpt", new ObjectMapper().readTree("{\"layers\": 2}"), null);
 * }</pre>
 *
 * @param architecture registry name, e.g. {@code gpt} or {@code mlp}
 * @param config an object (empty when the spec gives none); a copy, so callers cannot change this spec
 * @param init where starting weights come from, or {@code null} to initialise at random
 */
public record ModelSpec(String architecture, JsonNode config, InitSpec init) {

    static final String PATH = "spec.model";

    public ModelSpec {
        Checks c = new Checks(PATH);
        c.nonBlank("architecture", architecture, "a model architecture registry name, e.g. gpt or mlp");
        if (config == null || config.isNull() || config.isMissingNode()) {
            config = JsonNodeFactory.instance.objectNode();
        } else if (!config.isObject()) {
            c.fail("config", config, "an object of the architecture's settings, e.g. {layers: 2}");
        } else {
            config = config.deepCopy();
        }
        c.throwIfAny();
    }

    /** The architecture's settings; a fresh copy on every call because JSON trees are mutable. */
    @Override
    public JsonNode config() {
        return config.deepCopy();
    }
}

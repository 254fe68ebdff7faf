package dev.spindle.spec;

/**
 * Starting weights for fine-tuning: a safetensors file named by URI ({@code file:}, {@code abfss:}) or
 * path, with parameters under the model's Hugging Face style names.
 *
 * <pre>{@code
 * InitSpec init = new InitSpec("file:/models/tiny-gpt/model.safetensors");
 * }</pre>
 */
public record InitSpec(String from) {

    static final String PATH = "spec.model.init";

    public InitSpec {
        Checks c = new Checks(PATH);
        c.nonBlank("from", from, "the URI or path of a safetensors file");
        c.throwIfAny();
    }
}

package dev.spindle.model.gpt;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.spindle.model.ModelConfigException;
import java.util.ArrayList;
import java.util.List;

/**
 * The shape of a GPT-2 style decoder-only transformer.
 *
 * <pre>{@code
 * GptConfig tiny = GptConfig.DEFAULT.withLayers(2);   // or bound from spec.model.config
 * }</pre>
 *
 * @param vocabSize number of token ids
 * @param contextLength longest sequence (rows of the position embedding)
 * @param layers number of transformer blocks
 * @param heads attention heads; must divide {@code hiddenSize}
 * @param hiddenSize width of the residual stream
 * @param tiedHead whether the output projection reuses the token embedding (GPT-2 does)
 * @param dropout dropout probability on embeddings, attention and residual branches when training
 * @param layerNormEps the epsilon of every layer norm
 */
public record GptConfig(int vocabSize, int contextLength, int layers, int heads, int hiddenSize,
        boolean tiedHead, double dropout, double layerNormEps) {

    public static final int DEFAULT_VOCAB_SIZE = 256;
    public static final int DEFAULT_CONTEXT_LENGTH = 128;
    public static final int DEFAULT_LAYERS = 4;
    public static final int DEFAULT_HEADS = 4;
    public static final int DEFAULT_HIDDEN_SIZE = 128;
    public static final boolean DEFAULT_TIED_HEAD = true;
    public static final double DEFAULT_DROPOUT = 0.0;
    public static final double DEFAULT_LAYER_NORM_EPS = 1e-5;

    /** Every field at its default. */
    public static final GptConfig DEFAULT = new GptConfig(DEFAULT_VOCAB_SIZE, DEFAULT_CONTEXT_LENGTH,
            DEFAULT_LAYERS, DEFAULT_HEADS, DEFAULT_HIDDEN_SIZE, DEFAULT_TIED_HEAD, DEFAULT_DROPOUT,
            DEFAULT_LAYER_NORM_EPS);

    /** @throws ModelConfigException listing every field out of range */
    public GptConfig {
        List<String> problems = new ArrayList<>();
        positive(problems, "vocabSize", vocabSize);
        positive(problems, "contextLength", contextLength);
        positive(problems, "layers", layers);
        positive(problems, "heads", heads);
        positive(problems, "hiddenSize", hiddenSize);
        if (heads > 0 && hiddenSize > 0 && hiddenSize % heads != 0) {
            problems.add("heads: got " + heads + ", expected a divisor of hiddenSize (" + hiddenSize + ")");
        }
        if (!(dropout >= 0.0 && dropout < 1.0)) {
            problems.add("dropout: got " + dropout + ", expected a probability in [0, 1)");
        }
        if (!(layerNormEps > 0.0 && Double.isFinite(layerNormEps))) {
            problems.add("layerNormEps: got " + layerNormEps + ", expected a small positive number such as 1e-5");
        }
        ModelConfigException.throwIfAny(problems);
    }

    /** Binds a spec node: absent (or null) fields take their defaults. */
    @JsonCreator
    static GptConfig fromJson(@JsonProperty("vocabSize") Integer vocabSize,
            @JsonProperty("contextLength") Integer contextLength,
            @JsonProperty("layers") Integer layers,
            @JsonProperty("heads") Integer heads,
            @JsonProperty("hiddenSize") Integer hiddenSize,
            @JsonProperty("tiedHead") Boolean tiedHead,
            @JsonProperty("dropout") Double dropout,
            @JsonProperty("layerNormEps") Double layerNormEps) {
        return new GptConfig(
                vocabSize == null ? DEFAULT_VOCAB_SIZE : vocabSize,
                contextLength == null ? DEFAULT_CONTEXT_LENGTH : contextLength,
                layers == null ? DEFAULT_LAYERS : layers,
                heads == null ? DEFAULT_HEADS : heads,
                hiddenSize == null ? DEFAULT_HIDDEN_SIZE : hiddenSize,
                tiedHead == null ? DEFAULT_TIED_HEAD : tiedHead,
                dropout == null ? DEFAULT_DROPOUT : dropout,
                layerNormEps == null ? DEFAULT_LAYER_NORM_EPS : layerNormEps);
    }

    /** The width of one attention head. */
    public int headSize() {
        return hiddenSize / heads;
    }

    public GptConfig withVocabSize(int value) {
        return new GptConfig(value, contextLength, layers, heads, hiddenSize, tiedHead, dropout, layerNormEps);
    }

    public GptConfig withContextLength(int value) {
        return new GptConfig(vocabSize, value, layers, heads, hiddenSize, tiedHead, dropout, layerNormEps);
    }

    public GptConfig withLayers(int value) {
        return new GptConfig(vocabSize, contextLength, value, heads, hiddenSize, tiedHead, dropout, layerNormEps);
    }

    /** Heads and hidden size change together because one must divide the other. */
    public GptConfig withWidth(int newHeads, int newHiddenSize) {
        return new GptConfig(vocabSize, contextLength, layers, newHeads, newHiddenSize, tiedHead, dropout,
                layerNormEps);
    }

    public GptConfig withTiedHead(boolean value) {
        return new GptConfig(vocabSize, contextLength, layers, heads, hiddenSize, value, dropout, layerNormEps);
    }

    public GptConfig withDropout(double value) {
        return new GptConfig(vocabSize, contextLength, layers, heads, hiddenSize, tiedHead, value, layerNormEps);
    }

    private static void positive(List<String> problems, String field, int value) {
        if (value <= 0) {
            problems.add(field + ": got " + value + ", expected a positive integer");
        }
    }
}

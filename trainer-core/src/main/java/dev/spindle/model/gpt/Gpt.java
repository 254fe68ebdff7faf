package dev.spindle.model.gpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.spindle.model.Architecture;
import dev.spindle.model.CrossEntropy;
import dev.spindle.model.LinearHook;
import dev.spindle.model.LinearModule;
import dev.spindle.model.Model;
import dev.spindle.model.Parameters;
import java.util.ArrayList;
import java.util.List;

/**
 * A GPT-2 style decoder-only transformer under GPT-2's parameter names
 * ({@code transformer.wte.weight}, {@code transformer.h.0.attn.c_attn.weight}, ...).
 *
 * <pre>{@code
 * Engine.getInstance().setRandomSeed(42);
 * try (Gpt gpt = new Gpt(GptConfig.DEFAULT, manager);
 *         NDManager step = manager.newSubManager()) {
 *     NDArray logits = gpt.forward(step.create(tokens, new Shape(1, tokens.length)), false);
 * }
 * }</pre>
 */
public final class Gpt implements Model {

    /** The registry name. */
    public static final String NAME = "gpt";

    /** The architecture for {@link dev.spindle.model.ModelRegistry}. */
    public static final Architecture<GptConfig> ARCHITECTURE = Architecture.of(NAME, GptConfig.class, Gpt::new);

    private final GptConfig config;
    private final NDManager manager;
    private final Parameters parameters = new Parameters();
    private final NDArray tokenEmbedding;
    private final NDArray positionEmbedding;
    private final List<GptBlock> blocks = new ArrayList<>();
    private final NDArray finalNormWeight;
    private final NDArray finalNormBias;
    private final NDArray head;

    /** Builds the model with fresh GPT-2 initialisation in a sub-manager of {@code parent}. */
    public Gpt(GptConfig config, NDManager parent) {
        this.config = config;
        this.manager = parent.newSubManager();
        long h = config.hiddenSize();
        tokenEmbedding = parameters.register("transformer.wte.weight",
                GptBlock.normal(manager, GptBlock.INIT_STD, config.vocabSize(), h));
        positionEmbedding = parameters.register("transformer.wpe.weight",
                GptBlock.normal(manager, GptBlock.INIT_STD, config.contextLength(), h));
        for (int i = 0; i < config.layers(); i++) {
            blocks.add(new GptBlock(config, i, manager, parameters));
        }
        finalNormWeight = parameters.register("transformer.ln_f.weight", manager.ones(new Shape(h)));
        finalNormBias = parameters.register("transformer.ln_f.bias", manager.zeros(new Shape(h)));
        head = config.tiedHead()
                ? tokenEmbedding
                : parameters.register("lm_head.weight",
                        GptBlock.normal(manager, GptBlock.INIT_STD, config.vocabSize(), h));
    }

    /** The configuration the model was built with. */
    public GptConfig config() {
        return config;
    }

    @Override
    public String architecture() {
        return NAME;
    }

    @Override
    public InputKind inputKind() {
        return InputKind.TOKENS;
    }

    @Override
    public int inputSize() {
        return config.vocabSize();
    }

    @Override
    public int contextLength() {
        return config.contextLength();
    }

    @Override
    public Parameters parameters() {
        return parameters;
    }

    /** {@code int32 [B, T]} tokens with {@code T <= contextLength} to logits {@code [B, T, vocab]}. */
    @Override
    public NDArray forward(NDArray tokens, boolean training) {
        Shape shape = tokens.getShape();
        if (shape.dimension() != 2 || shape.get(1) < 1 || shape.get(1) > config.contextLength()) {
            throw new IllegalArgumentException("gpt input: got shape " + shape
                    + ", expected [batch, time] with 1 <= time <= contextLength (" + config.contextLength() + ")");
        }
        if (tokens.getDataType() != DataType.INT32 && tokens.getDataType() != DataType.INT64) {
            throw new IllegalArgumentException("gpt input: got data type " + tokens.getDataType()
                    + ", expected int32 token ids");
        }
        NDManager step = tokens.getManager();
        long time = shape.get(1);
        NDArray positions = step.arange(0, (int) time, 1, DataType.INT32);
        NDArray x = embed(tokens, tokenEmbedding).add(embed(positions, positionEmbedding));
        x = blocks.get(0).dropout(x, training);
        NDArray mask = causalMask(step, time);
        for (GptBlock block : blocks) {
            x = block.forward(x, mask, training);
        }
        x = blocks.get(0).layerNorm(x, finalNormWeight, finalNormBias);
        // the transposed view is made from a parameter, so it would otherwise land in the model's manager
        NDArray headT = head.transpose();
        headT.attach(step);
        return x.matMul(headT);
    }

    /** The four Conv1D layers of every block; the tied output head is not one of them. */
    @Override
    public List<LinearModule> linearModules() {
        List<LinearModule> modules = new ArrayList<>();
        blocks.forEach(b -> modules.addAll(b.linearModules()));
        return modules;
    }

    @Override
    public void setLinearHook(LinearHook hook) {
        blocks.forEach(b -> b.setHook(hook));
    }

    @Override
    public NDArray loss(NDArray logits, NDArray labels) {
        return CrossEntropy.mean(logits, labels);
    }

    @Override
    public void close() {
        manager.close();
    }

    static NDArray embed(NDArray ids, NDArray table) {
        return ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
    }

    /** 0 on and below the diagonal, -inf above: position t sees positions 0..t only. */
    static NDArray causalMask(NDManager step, long time) {
        NDArray rows = step.arange(0, (int) time, 1, DataType.INT32).reshape(time, 1);
        NDArray cols = step.arange(0, (int) time, 1, DataType.INT32).reshape(1, time);
        NDArray future = cols.gt(rows);
        NDArray zeros = step.zeros(new Shape(time, time));
        NDArray blocked = step.full(new Shape(time, time), Float.NEGATIVE_INFINITY);
        return ai.djl.ndarray.NDArrays.where(future, blocked, zeros);
    }
}

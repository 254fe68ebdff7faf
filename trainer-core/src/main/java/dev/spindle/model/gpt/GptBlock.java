package dev.spindle.model.gpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.spindle.checkpoint.TensorSplit;
import dev.spindle.model.LinearHook;
import dev.spindle.model.LinearModule;
import dev.spindle.model.Parameters;
import dev.spindle.model.Scalars;
import dev.spindle.parallel.tensor.Tape;
import java.util.List;
import java.util.function.Supplier;

/**
 * One pre-layer-norm transformer block of GPT-2: causal self-attention then a GELU MLP, each on a
 * residual branch. Weights use GPT-2's Conv1D layout {@code [in, out]} so that Hugging Face files
 * load unchanged.
 */
final class GptBlock {

    /** GPT-2's initialiser: normal(0, 0.02). */
    static final double INIT_STD = 0.02;

    /** How a tensor-parallel shard cuts each parameter (see {@link GptShard}). */
    static final TensorSplit COLUMNS = new TensorSplit(1, 1);
    static final TensorSplit ROWS = new TensorSplit(0, 1);
    static final TensorSplit FUSED_QKV_COLUMNS = new TensorSplit(1, 3);
    static final TensorSplit FUSED_QKV_BIAS = new TensorSplit(0, 3);

    private static final String ATTN = "attn.c_attn";
    private static final String ATTN_PROJ = "attn.c_proj";
    private static final String FC = "mlp.c_fc";
    private static final String MLP_PROJ = "mlp.c_proj";

    private static final double GELU_SCALE = Math.sqrt(2.0 / Math.PI);
    private static final double GELU_CUBIC = 0.044715;

    private final GptConfig config;
    private final NDArray ln1Weight;
    private final NDArray ln1Bias;
    private final NDArray attnWeight;
    private final NDArray attnBias;
    private final NDArray attnProjWeight;
    private final NDArray attnProjBias;
    private final NDArray ln2Weight;
    private final NDArray ln2Bias;
    private final NDArray fcWeight;
    private final NDArray fcBias;
    private final NDArray mlpProjWeight;
    private final NDArray mlpProjBias;
    private final String prefix;
    /** {@code null} on the plain path: one check per layer and nothing else. */
    private LinearHook hook;

    /** Where a block's parameters come from: made and registered (a whole model) or cut from one (a shard). */
    @FunctionalInterface
    interface Source {
        /**
         * The parameter {@code name}, split among tensor ranks as {@code split}; {@code fresh} makes its whole
         * initial value, called (in parameter order) only by sources that initialise.
         */
        NDArray take(String name, TensorSplit split, Supplier<NDArray> fresh);
    }

    GptBlock(GptConfig config, int index, NDManager manager, Parameters parameters) {
        this(config, index, manager, (name, split, fresh) -> parameters.register(name, fresh.get()));
    }

    /** A block whose parameters {@code source} gives, in GPT-2's order; {@code manager} makes fresh values. */
    GptBlock(GptConfig config, int index, NDManager manager, Source source) {
        this.config = config;
        prefix = "transformer.h." + index + ".";
        long h = config.hiddenSize();
        // GPT-2 scales the residual projections so the residual stream's variance does not grow
        // with depth
        double residualStd = INIT_STD / Math.sqrt(2.0 * config.layers());
        TensorSplit replicated = TensorSplit.REPLICATED;
        ln1Weight = source.take(prefix + "ln_1.weight", replicated, () -> manager.ones(new Shape(h)));
        ln1Bias = source.take(prefix + "ln_1.bias", replicated, () -> manager.zeros(new Shape(h)));
        attnWeight = source.take(prefix + "attn.c_attn.weight", FUSED_QKV_COLUMNS,
                () -> normal(manager, INIT_STD, h, 3 * h));
        attnBias = source.take(prefix + "attn.c_attn.bias", FUSED_QKV_BIAS, () -> manager.zeros(new Shape(3 * h)));
        attnProjWeight = source.take(prefix + "attn.c_proj.weight", ROWS, () -> normal(manager, residualStd, h, h));
        attnProjBias = source.take(prefix + "attn.c_proj.bias", replicated, () -> manager.zeros(new Shape(h)));
        ln2Weight = source.take(prefix + "ln_2.weight", replicated, () -> manager.ones(new Shape(h)));
        ln2Bias = source.take(prefix + "ln_2.bias", replicated, () -> manager.zeros(new Shape(h)));
        fcWeight = source.take(prefix + "mlp.c_fc.weight", COLUMNS, () -> normal(manager, INIT_STD, h, 4 * h));
        fcBias = source.take(prefix + "mlp.c_fc.bias", ROWS, () -> manager.zeros(new Shape(4 * h)));
        mlpProjWeight = source.take(prefix + "mlp.c_proj.weight", ROWS,
                () -> normal(manager, residualStd, 4 * h, h));
        mlpProjBias = source.take(prefix + "mlp.c_proj.bias", replicated, () -> manager.zeros(new Shape(h)));
    }

    /**
     * @param x the residual stream {@code [B, T, H]}
     * @param mask additive causal mask {@code [T, T]}: 0 where attending is allowed, -inf elsewhere
     */
    NDArray forward(NDArray x, NDArray mask, boolean training) {
        x = x.add(dropout(attention(layerNorm(x, ln1Weight, ln1Bias), mask, training), training));
        NDArray hidden = gelu(linear(FC, layerNorm(x, ln2Weight, ln2Bias), fcWeight, fcBias, training));
        return x.add(dropout(linear(MLP_PROJ, hidden, mlpProjWeight, mlpProjBias, training), training));
    }

    /**
     * The forward pass of tensor rank t's slice of this block ({@code tensorSize} ranks in {@code tape}'s group):
     * attention over its heads and the MLP over its hidden columns, the row-parallel partial sums reduced
     * forward and the column-parallel inputs' gradients reduced backward through the tape. With one rank it
     * is {@link #forward(NDArray, NDArray, boolean)} without linear hooks.
     */
    NDArray forward(Tape tape, NDArray x, NDArray mask, boolean training, int tensorSize) {
        x = tape.boundary(x);
        NDArray h = tape.reduceBackward(layerNorm(x, ln1Weight, ln1Bias));
        NDArray merged = attend(config, conv1d(h, attnWeight, attnBias), config.heads() / tensorSize, mask, training);
        x = x.add(dropout(rowParallel(tape, merged, attnProjWeight, attnProjBias, tensorSize), training));
        x = tape.boundary(x);
        h = tape.reduceBackward(layerNorm(x, ln2Weight, ln2Bias));
        NDArray hidden = gelu(conv1d(h, fcWeight, fcBias));
        return x.add(dropout(rowParallel(tape, hidden, mlpProjWeight, mlpProjBias, tensorSize), training));
    }

    /** {@code x @ W + b} where each rank holds rows of W: partial products summed over the group, then the bias. */
    private static NDArray rowParallel(Tape tape, NDArray x, NDArray weight, NDArray bias, int tensorSize) {
        if (tensorSize == 1) {
            return conv1d(x, weight, bias);
        }
        return tape.reduceForward(x.matMul(weight)).add(bias);
    }

    private NDArray attention(NDArray x, NDArray mask, boolean training) {
        NDArray merged = attend(config, linear(ATTN, x, attnWeight, attnBias, training), config.heads(), mask, training);
        return linear(ATTN_PROJ, merged, attnProjWeight, attnProjBias, training);
    }

    /**
     * Causal self-attention over fused {@code qkv [B, T, 3 * heads * headSize]} (q, then k, then v):
     * returns the heads' outputs merged back to {@code [B, T, heads * headSize]}. A tensor-parallel
     * shard passes its own heads only.
     */
    static NDArray attend(GptConfig config, NDArray qkv, int heads, NDArray mask, boolean training) {
        Shape shape = qkv.getShape();
        long batch = shape.get(0);
        long time = shape.get(1);
        NDList parts = qkv.split(3, 2);
        NDArray q = splitHeads(parts.get(0), batch, time, heads, config.headSize());
        NDArray k = splitHeads(parts.get(1), batch, time, heads, config.headSize());
        NDArray v = splitHeads(parts.get(2), batch, time, heads, config.headSize());
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2))
                .mul(Scalars.of(q, 1.0 / Math.sqrt(config.headSize())))
                .add(mask);
        NDArray weights = dropout(config, scores.softmax(-1), training);
        return weights.matMul(v).transpose(0, 2, 1, 3).reshape(batch, time, (long) heads * config.headSize());
    }

    /** The block's linear modules under GPT-2's names, in forward order. */
    List<LinearModule> linearModules() {
        long h = config.hiddenSize();
        return List.of(new LinearModule(prefix + ATTN, h, 3 * h, true, true),
                new LinearModule(prefix + ATTN_PROJ, h, h, true, true),
                new LinearModule(prefix + FC, h, 4 * h, true, true),
                new LinearModule(prefix + MLP_PROJ, 4 * h, h, true, true));
    }

    void setHook(LinearHook newHook) {
        hook = newHook;
    }

    private NDArray linear(String module, NDArray x, NDArray weight, NDArray bias, boolean training) {
        NDArray out = conv1d(x, weight, bias);
        return hook == null ? out : hook.apply(prefix + module, x, out, training);
    }

    private static NDArray splitHeads(NDArray x, long batch, long time, int heads, int headSize) {
        return x.reshape(batch, time, heads, headSize).transpose(0, 2, 1, 3);
    }

    NDArray dropout(NDArray x, boolean training) {
        return dropout(config, x, training);
    }

    static NDArray dropout(GptConfig config, NDArray x, boolean training) {
        if (!training || config.dropout() == 0.0) {
            return x;
        }
        return x.getNDArrayInternal().dropout(x, (float) config.dropout(), true).singletonOrThrow();
    }

    NDArray layerNorm(NDArray x, NDArray weight, NDArray bias) {
        return layerNorm(config, x, weight, bias);
    }

    static NDArray layerNorm(GptConfig config, NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal()
                .layerNorm(x, weight.getShape(), weight, bias, (float) config.layerNormEps())
                .singletonOrThrow();
    }

    /** GPT-2's Conv1D: {@code x @ W + b} with {@code W [in, out]}. */
    static NDArray conv1d(NDArray x, NDArray weight, NDArray bias) {
        return x.matMul(weight).add(bias);
    }

    /** GPT-2's "gelu_new", the tanh approximation, which differs from the exact erf form by ~1e-3. */
    static NDArray gelu(NDArray x) {
        // Scalars.of, not mul(Number): autograd keeps these operands for backward (see Scalars).
        NDArray inner = x.mul(x).mul(x).mul(Scalars.of(x, GELU_CUBIC)).add(x).mul(Scalars.of(x, GELU_SCALE));
        return x.mul(Scalars.of(x, 0.5)).mul(inner.tanh().add(Scalars.of(x, 1.0)));
    }

    static NDArray normal(NDManager manager, double std, long... shape) {
        return manager.randomNormal(0f, (float) std, new Shape(shape), DataType.FLOAT32);
    }
}

package dev.spindle.model.gpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.spindle.model.LinearHook;
import dev.spindle.model.LinearModule;
import dev.spindle.model.Parameters;
import dev.spindle.model.Scalars;
import java.util.List;

/**
 * One pre-layer-norm transformer block of GPT-2: causal self-attention then a GELU MLP, each on a
 * residual branch. Weights use GPT-2's Conv1D layout {@code [in, out]} so that Hugging Face files
 * load unchanged.
 */
final class GptBlock {

    /** GPT-2's initialiser: normal(0, 0.02). */
    static final double INIT_STD = 0.02;

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

    GptBlock(GptConfig config, int index, NDManager manager, Parameters parameters) {
        this.config = config;
        prefix = "transformer.h." + index + ".";
        long h = config.hiddenSize();
        // GPT-2 scales the residual projections so the residual stream's variance does not grow
        // with depth
        double residualStd = INIT_STD / Math.sqrt(2.0 * config.layers());
        ln1Weight = parameters.register(prefix + "ln_1.weight", manager.ones(new Shape(h)));
        ln1Bias = parameters.register(prefix + "ln_1.bias", manager.zeros(new Shape(h)));
        attnWeight = parameters.register(prefix + "attn.c_attn.weight", normal(manager, INIT_STD, h, 3 * h));
        attnBias = parameters.register(prefix + "attn.c_attn.bias", manager.zeros(new Shape(3 * h)));
        attnProjWeight = parameters.register(prefix + "attn.c_proj.weight", normal(manager, residualStd, h, h));
        attnProjBias = parameters.register(prefix + "attn.c_proj.bias", manager.zeros(new Shape(h)));
        ln2Weight = parameters.register(prefix + "ln_2.weight", manager.ones(new Shape(h)));
        ln2Bias = parameters.register(prefix + "ln_2.bias", manager.zeros(new Shape(h)));
        fcWeight = parameters.register(prefix + "mlp.c_fc.weight", normal(manager, INIT_STD, h, 4 * h));
        fcBias = parameters.register(prefix + "mlp.c_fc.bias", manager.zeros(new Shape(4 * h)));
        mlpProjWeight = parameters.register(prefix + "mlp.c_proj.weight", normal(manager, residualStd, 4 * h, h));
        mlpProjBias = parameters.register(prefix + "mlp.c_proj.bias", manager.zeros(new Shape(h)));
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

package dev.spindle.bench.bare;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's GPT-2 style decoder written straight on DJL, with no Spindle class in the way.
 *
 * <p>Pre-layer-norm blocks, causal multi-head attention, a GELU (tanh approximation) MLP of width
 * 4 x hidden, learned positions, a final layer norm and a head tied to the token embedding; no
 * dropout. Weights use GPT-2's Conv1D layout {@code [in, out]} ({@code x @ W + b}) and its names
 * ({@code transformer.h.0.attn.c_attn.weight}, ...); weights start as N(0, 0.02), biases at zero,
 * layer norms at (1, 0). A batch must be exactly {@code contextLength} tokens long.
 *
 * <pre>{@code
 * // java ... dev.spindle.bench.bare.BareGpt --warmup 3 --rounds 3 --steps 5
 * BareGpt gpt = new BareGpt(manager, BareGpt.Config.BENCH);
 * NDArray loss = gpt.loss(tokens, nextTokens); // int64 [batch, contextLength] each
 * }</pre>
 */
public final class BareGpt implements BareModel {

    /** Sequences per batch. */
    public static final int BENCH_BATCH = 32;
    /** AdamW learning rate of the benchmark job. */
    public static final float BENCH_LEARNING_RATE = 3e-3f;
    /** Standard deviation of the initial weights (GPT-2's). */
    public static final float INIT_STD = 0.02f;
    /** Layer-norm epsilon (torch's default). */
    public static final float LAYER_NORM_EPS = 1e-5f;

    // gelu_tanh(x) = 0.5 x (1 + tanh(z)) = x * sigmoid(2z) with z = sqrt(2/pi) (x + 0.044715 x^3);
    // DJL 0.36 has only the exact (erf) GELU, and the sigmoid form needs 6 ops instead of 9.
    private static final float TWO_ROOT_TWO_OVER_PI = (float) (2 * Math.sqrt(2 / Math.PI));
    private static final float TWO_ROOT_TWO_OVER_PI_CUBIC = TWO_ROOT_TWO_OVER_PI * 0.044715f;

    /**
     * Shape of the network.
     *
     * @param vocabSize token ids are in [0, vocabSize)
     * @param contextLength tokens per sequence
     * @param layers transformer blocks
     * @param heads attention heads; must divide hiddenSize
     * @param hiddenSize model width
     */
    public record Config(int vocabSize, int contextLength, int layers, int heads, int hiddenSize) {

        /** The benchmark's model: vocab 257, context 64, 4 layers, 4 heads, hidden 128. */
        public static final Config BENCH = new Config(257, 64, 4, 4, 128);

        public Config {
            positive("vocabSize", vocabSize);
            positive("contextLength", contextLength);
            positive("layers", layers);
            positive("heads", heads);
            positive("hiddenSize", hiddenSize);
            if (hiddenSize % heads != 0) {
                throw new IllegalArgumentException("hiddenSize " + hiddenSize + " is not divisible by heads "
                        + heads + "; expected a multiple");
            }
        }

        private static void positive(String field, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(field + " is " + value + "; expected >= 1");
            }
        }
    }

    private final Config config;
    private final List<String> names = new ArrayList<>();
    private final NDList parameters = new NDList();
    private final NDArray causalMask;

    /** Builds the parameters in {@code manager} from the engine's random generator (seed it first). */
    public BareGpt(NDManager manager, Config config) {
        this.config = config;
        int c = config.hiddenSize();
        add("transformer.wte.weight", normal(manager, config.vocabSize(), c));
        add("transformer.wpe.weight", normal(manager, config.contextLength(), c));
        for (int i = 0; i < config.layers(); i++) {
            String block = "transformer.h." + i + ".";
            addLayerNorm(manager, block + "ln_1", c);
            addConv1d(manager, block + "attn.c_attn", c, 3 * c);
            addConv1d(manager, block + "attn.c_proj", c, c);
            addLayerNorm(manager, block + "ln_2", c);
            addConv1d(manager, block + "mlp.c_fc", c, 4 * c);
            addConv1d(manager, block + "mlp.c_proj", 4 * c, c);
        }
        addLayerNorm(manager, "transformer.ln_f", c);
        causalMask = causalMask(manager, config.contextLength());
    }

    private static NDArray normal(NDManager manager, long... shape) {
        return manager.randomNormal(0, INIT_STD, new Shape(shape), DataType.FLOAT32);
    }

    private void addConv1d(NDManager manager, String prefix, int in, int out) {
        add(prefix + ".weight", normal(manager, in, out));
        add(prefix + ".bias", manager.zeros(new Shape(out)));
    }

    private void addLayerNorm(NDManager manager, String prefix, int width) {
        add(prefix + ".weight", manager.ones(new Shape(width)));
        add(prefix + ".bias", manager.zeros(new Shape(width)));
    }

    private void add(String name, NDArray array) {
        array.setName(name);
        array.setRequiresGradient(true);
        names.add(name);
        parameters.add(array);
    }

    /** An additive mask: 0 where a position may attend (itself and earlier), -inf after. */
    private static NDArray causalMask(NDManager manager, int length) {
        float[] mask = new float[length * length];
        for (int row = 0; row < length; row++) {
            for (int col = row + 1; col < length; col++) {
                mask[row * length + col] = Float.NEGATIVE_INFINITY;
            }
        }
        return manager.create(mask, new Shape(length, length));
    }

    /** The configuration this model was built with. */
    public Config config() {
        return config;
    }

    @Override
    public List<String> parameterNames() {
        return List.copyOf(names);
    }

    @Override
    public NDList parameters() {
        return parameters;
    }

    /** Logits {@code [batch, contextLength, vocabSize]} for int64 {@code tokens [batch, contextLength]}. */
    public NDArray forward(NDArray tokens) {
        Shape shape = tokens.getShape();
        if (shape.dimension() != 2 || shape.get(1) != config.contextLength()) {
            throw new IllegalArgumentException("tokens have shape " + shape + "; expected [batch, "
                    + config.contextLength() + "]");
        }
        NDArray wte = parameters.get(0);
        NDArray x = tokens.getNDArrayInternal().embedding(tokens, wte, SparseFormat.DENSE).head()
                .add(parameters.get(1));
        int p = 2;
        for (int i = 0; i < config.layers(); i++) {
            NDArray h = layerNorm(x, p);
            x = x.add(attention(h, p + 2));
            h = layerNorm(x, p + 6);
            h = geluTanh(conv1d(h, p + 8));
            x = x.add(conv1d(h, p + 10));
            p += 12;
        }
        x = layerNorm(x, p);
        // The tied head: logits = x @ wte^T, which is exactly torch's linear(x, wte) without bias.
        return x.getNDArrayInternal().linear(x, wte, null).head();
    }

    @Override
    public NDArray loss(NDArray tokens, NDArray nextTokens) {
        return BareModel.crossEntropy(forward(tokens), nextTokens);
    }

    private NDArray attention(NDArray h, int p) {
        long batch = h.getShape().get(0);
        long time = h.getShape().get(1);
        int heads = config.heads();
        int headSize = config.hiddenSize() / heads;
        NDList qkv = conv1d(h, p).split(3, 2);
        NDArray q = qkv.get(0).reshape(batch, time, heads, headSize).transpose(0, 2, 1, 3);
        NDArray k = qkv.get(1).reshape(batch, time, heads, headSize).transpose(0, 2, 3, 1);
        NDArray v = qkv.get(2).reshape(batch, time, heads, headSize).transpose(0, 2, 1, 3);
        NDArray weights = q.matMul(k).mul(scalar(q, 1 / Math.sqrt(headSize))).add(causalMask).softmax(-1);
        NDArray y = weights.matMul(v).transpose(0, 2, 1, 3).reshape(batch, time, config.hiddenSize());
        return conv1d(y, p + 2);
    }

    private NDArray conv1d(NDArray x, int p) {
        return x.matMul(parameters.get(p)).add(parameters.get(p + 1));
    }

    private NDArray layerNorm(NDArray x, int p) {
        return x.getNDArrayInternal().layerNorm(x, new Shape(config.hiddenSize()), parameters.get(p),
                parameters.get(p + 1), LAYER_NORM_EPS).head();
    }

    private static NDArray geluTanh(NDArray x) {
        NDArray z = x.mul(x).mul(scalar(x, TWO_ROOT_TWO_OVER_PI_CUBIC)).add(scalar(x, TWO_ROOT_TWO_OVER_PI)).mul(x);
        return z.getNDArrayInternal().sigmoid().mul(x);
    }

    /**
     * A libtorch-owned scalar. DJL's mul(Number) wraps a Java buffer that it frees right after the
     * op, while autograd keeps the operand for backward: after a GC, backward reads freed memory.
     */
    private static NDArray scalar(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, like.getDataType());
    }

    /** Seeded random sequences of {@code context + 1} tokens, split into inputs and next tokens. */
    static List<NDList> randomBatches(NDManager manager, int count, int rows, Config config) {
        List<NDList> batches = new ArrayList<>();
        int t = config.contextLength();
        for (int i = 0; i < count; i++) {
            NDArray sequence = manager.randomInteger(0, config.vocabSize(), new Shape(rows, t + 1), DataType.INT64);
            batches.add(new NDList(sequence.get(new NDIndex(":, 0:{}", t)), sequence.get(new NDIndex(":, 1:"))));
        }
        return batches;
    }

    /** Runs the benchmark and prints one {@code RESULT} line; see {@link BareLoop.Options#parse}. */
    public static void main(String[] args) {
        BareLoop.Options options = BareLoop.Options.parse(args);
        Engine.getInstance().setRandomSeed((int) options.seed());
        try (NDManager manager = NDManager.newBaseManager()) {
            BareGpt gpt = new BareGpt(manager, Config.BENCH);
            List<NDList> batches = randomBatches(manager, options.batches(), BENCH_BATCH, Config.BENCH);
            BareAdamW adamw = new BareAdamW(gpt.parameters(), BareAdamW.Settings.withRate(BENCH_LEARNING_RATE));
            System.out.println(BareLoop.run(gpt, adamw, batches, options).line("gpt"));
        }
    }
}

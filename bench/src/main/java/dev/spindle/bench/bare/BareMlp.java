package dev.spindle.bench.bare;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's MLP (784-512-10, ReLU, cross-entropy) written straight on DJL, with no Spindle
 * class in the way, so that its step time is the floor Spindle's overhead is measured against.
 *
 * <p>Parameters use {@code torch.nn.Linear}'s layout and names ({@code layers.0.weight [512, 784]},
 * ...) and its initialisation (uniform in +-1/sqrt(fan_in) for weights and biases); each layer is
 * one fused {@code linear} call, as in PyTorch.
 *
 * <pre>{@code
 * // java ... dev.spindle.bench.bare.BareMlp --warmup 5 --rounds 5 --steps 20
 * try (NDManager manager = NDManager.newBaseManager()) {
 *     BareMlp mlp = new BareMlp(manager, new int[] {784, 512, 10});
 *     NDArray loss = mlp.loss(features, labels);
 * }
 * }</pre>
 */
public final class BareMlp implements BareModel {

    /** Layer widths of the benchmark model: inputs, hidden, classes. */
    public static final int[] BENCH_WIDTHS = {784, 512, 10};
    /** Rows per batch. */
    public static final int BENCH_BATCH = 256;
    /** AdamW learning rate of the benchmark job. */
    public static final float BENCH_LEARNING_RATE = 1e-3f;

    private final List<String> names = new ArrayList<>();
    private final NDList parameters = new NDList();
    private final int layers;

    /**
     * Builds the layers in {@code manager} from the engine's random generator (seed it first).
     *
     * @param widths at least two widths, each positive: inputs, hidden layers..., classes
     */
    public BareMlp(NDManager manager, int[] widths) {
        if (widths.length < 2) {
            throw new IllegalArgumentException("widths has " + widths.length + " entries; expected inputs, ..., classes");
        }
        for (int i = 0; i + 1 < widths.length; i++) {
            if (widths[i] < 1 || widths[i + 1] < 1) {
                throw new IllegalArgumentException("widths[" + (widths[i] < 1 ? i : i + 1) + "] is not positive");
            }
            float bound = (float) (1 / Math.sqrt(widths[i]));
            add("layers." + i + ".weight",
                    manager.randomUniform(-bound, bound, new Shape(widths[i + 1], widths[i]), DataType.FLOAT32));
            add("layers." + i + ".bias",
                    manager.randomUniform(-bound, bound, new Shape(widths[i + 1]), DataType.FLOAT32));
        }
        layers = widths.length - 1;
    }

    private void add(String name, NDArray array) {
        array.setName(name);
        array.setRequiresGradient(true);
        names.add(name);
        parameters.add(array);
    }

    @Override
    public List<String> parameterNames() {
        return List.copyOf(names);
    }

    @Override
    public NDList parameters() {
        return parameters;
    }

    /** Logits {@code [batch, classes]} for float32 {@code features [batch, inputs]}. */
    public NDArray forward(NDArray features) {
        NDArray x = features;
        for (int i = 0; i < layers; i++) {
            x = x.getNDArrayInternal().linear(x, parameters.get(2 * i), parameters.get(2 * i + 1)).head();
            if (i + 1 < layers) {
                x = x.getNDArrayInternal().relu();
            }
        }
        return x;
    }

    @Override
    public NDArray loss(NDArray features, NDArray labels) {
        return BareModel.crossEntropy(forward(features), labels);
    }

    /** Seeded random batches: standard-normal features and uniform int64 labels. */
    static List<NDList> randomBatches(NDManager manager, int count, int rows, int inputs, int classes) {
        List<NDList> batches = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            NDArray x = manager.randomNormal(new Shape(rows, inputs));
            NDArray y = manager.randomInteger(0, classes, new Shape(rows), DataType.INT64);
            batches.add(new NDList(x, y));
        }
        return batches;
    }

    /** Runs the benchmark and prints one {@code RESULT} line; see {@link BareLoop.Options#parse}. */
    public static void main(String[] args) {
        BareLoop.Options options = BareLoop.Options.parse(args);
        Engine.getInstance().setRandomSeed((int) options.seed());
        try (NDManager manager = NDManager.newBaseManager()) {
            BareMlp mlp = new BareMlp(manager, BENCH_WIDTHS);
            List<NDList> batches = randomBatches(manager, options.batches(), BENCH_BATCH,
                    BENCH_WIDTHS[0], BENCH_WIDTHS[BENCH_WIDTHS.length - 1]);
            BareAdamW adamw = new BareAdamW(mlp.parameters(), BareAdamW.Settings.withRate(BENCH_LEARNING_RATE));
            System.out.println(BareLoop.run(mlp, adamw, batches, options).line("mlp"));
        }
    }
}

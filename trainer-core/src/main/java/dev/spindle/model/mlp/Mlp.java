package dev.spindle.model.mlp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.spindle.model.Architecture;
import dev.spindle.model.CrossEntropy;
import dev.spindle.model.LinearHook;
import dev.spindle.model.LinearModule;
import dev.spindle.model.Model;
import dev.spindle.model.Parameters;
import java.util.ArrayList;
import java.util.List;

/**
 * A multi-layer perceptron with ReLU between layers, named as {@code torch.nn.Linear} layers in a
 * list: {@code layers.<i>.weight [out, in]}, {@code layers.<i>.bias [out]}.
 *
 * <pre>{@code
 * try (Mlp mlp = new Mlp(new MlpConfig(784, List.of(512), 10), manager)) {
 *     NDArray logits = mlp.forward(features, true);   // [B, 784] -> [B, 10]
 * }
 * }</pre>
 */
public final class Mlp implements Model {

    /** The registry name. */
    public static final String NAME = "mlp";

    /** The architecture for {@link dev.spindle.model.ModelRegistry}. */
    public static final Architecture<MlpConfig> ARCHITECTURE = Architecture.of(NAME, MlpConfig.class, Mlp::new);

    private final MlpConfig config;
    private final NDManager manager;
    private final Parameters parameters = new Parameters();
    private final List<NDArray> weights = new ArrayList<>();
    private final List<NDArray> biases = new ArrayList<>();
    /** {@code null} on the plain path. */
    private LinearHook hook;

    /**
     * Builds the model in a sub-manager of {@code parent} with PyTorch's default Linear
     * initialisation: kaiming uniform with a = sqrt(5), which bounds weights and biases alike by
     * 1/sqrt(fan_in).
     */
    public Mlp(MlpConfig config, NDManager parent) {
        this.config = config;
        this.manager = parent.newSubManager();
        List<Integer> widths = config.widths();
        for (int i = 0; i + 1 < widths.size(); i++) {
            long in = widths.get(i);
            long out = widths.get(i + 1);
            float bound = (float) (1.0 / Math.sqrt(in));
            weights.add(parameters.register("layers." + i + ".weight",
                    manager.randomUniform(-bound, bound, new Shape(out, in), DataType.FLOAT32)));
            biases.add(parameters.register("layers." + i + ".bias",
                    manager.randomUniform(-bound, bound, new Shape(out), DataType.FLOAT32)));
        }
    }

    /** The configuration the model was built with. */
    public MlpConfig config() {
        return config;
    }

    @Override
    public String architecture() {
        return NAME;
    }

    @Override
    public InputKind inputKind() {
        return InputKind.FEATURES;
    }

    @Override
    public int inputSize() {
        return config.inputs();
    }

    @Override
    public int contextLength() {
        return 0;
    }

    @Override
    public Parameters parameters() {
        return parameters;
    }

    /** {@code float32 [B, inputs]} to logits {@code [B, classes]}. */
    @Override
    public NDArray forward(NDArray features, boolean training) {
        Shape shape = features.getShape();
        if (shape.dimension() != 2 || shape.get(1) != config.inputs()) {
            throw new IllegalArgumentException("mlp input: got shape " + shape
                    + ", expected [batch, " + config.inputs() + "]");
        }
        if (!features.getDataType().isFloating()) {
            throw new IllegalArgumentException("mlp input: got data type " + features.getDataType()
                    + ", expected float32 features");
        }
        NDArray x = features;
        for (int i = 0; i < weights.size(); i++) {
            NDArray out = x.getNDArrayInternal().linear(x, weights.get(i), biases.get(i)).singletonOrThrow();
            x = hook == null ? out : hook.apply("layers." + i, x, out, training);
            if (i + 1 < weights.size()) {
                x = x.getNDArrayInternal().relu();
            }
        }
        return x;
    }

    @Override
    public List<LinearModule> linearModules() {
        List<LinearModule> modules = new ArrayList<>();
        List<Integer> widths = config.widths();
        for (int i = 0; i + 1 < widths.size(); i++) {
            modules.add(new LinearModule("layers." + i, widths.get(i), widths.get(i + 1), false, true));
        }
        return modules;
    }

    @Override
    public void setLinearHook(LinearHook newHook) {
        hook = newHook;
    }

    @Override
    public NDArray loss(NDArray logits, NDArray labels) {
        return CrossEntropy.mean(logits, labels);
    }

    @Override
    public void close() {
        manager.close();
    }
}

package dev.spindle.bench.bare;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW exactly as {@code torch.optim.AdamW} computes it, on DJL's fused
 * {@code NDArrayEx.adamUpdate}, for the bare loops.
 *
 * <p>The fused update divides by {@code sqrt(v) + eps} without bias-correcting {@code v}; PyTorch
 * divides by {@code sqrt(v / (1 - beta2^t)) + eps}. Multiplying numerator and denominator by
 * {@code sqrt(1 - beta2^t)} turns one into the other, so each step passes
 * {@code lr * sqrt(1 - beta2^t) / (1 - beta1^t)} as the corrected rate and
 * {@code eps * sqrt(1 - beta2^t)} as epsilon. Decoupled weight decay ({@code adamw = true}) shrinks
 * the weight by {@code lr * wd} first, as PyTorch does.
 *
 * <pre>{@code
 * BareAdamW adamw = new BareAdamW(parameters, BareAdamW.Settings.withRate(1e-3f));
 * // forward, backward ...
 * adamw.step(); // updates every parameter and zeroes its gradient
 * }</pre>
 */
public final class BareAdamW {

    /** PyTorch's default first-moment decay. */
    public static final float DEFAULT_BETA1 = 0.9f;
    /** PyTorch's default second-moment decay. */
    public static final float DEFAULT_BETA2 = 0.999f;
    /** PyTorch's default epsilon. */
    public static final float DEFAULT_EPSILON = 1e-8f;
    /** The weight decay both benchmark models use. */
    public static final float DEFAULT_WEIGHT_DECAY = 0.01f;

    /**
     * Hyper-parameters.
     *
     * @param learningRate the step size, positive
     * @param weightDecay the decoupled decay, in [0, 1)
     * @param beta1 first-moment decay, in [0, 1)
     * @param beta2 second-moment decay, in [0, 1)
     * @param epsilon added to the denominator, positive
     */
    public record Settings(float learningRate, float weightDecay, float beta1, float beta2, float epsilon) {

        public Settings {
            if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
                throw new IllegalArgumentException("learningRate is " + learningRate + "; expected > 0");
            }
            requireUnit("weightDecay", weightDecay);
            requireUnit("beta1", beta1);
            requireUnit("beta2", beta2);
            if (!(epsilon > 0)) {
                throw new IllegalArgumentException("epsilon is " + epsilon + "; expected > 0");
            }
        }

        /** The given rate with the benchmark's decay and PyTorch's default betas and epsilon. */
        public static Settings withRate(float learningRate) {
            return new Settings(learningRate, DEFAULT_WEIGHT_DECAY, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON);
        }

        private static void requireUnit(String field, float value) {
            if (!(value >= 0 && value < 1)) {
                throw new IllegalArgumentException(field + " is " + value + "; expected a value in [0, 1)");
            }
        }
    }

    private final List<NDArray> parameters;
    private final List<NDArray> firstMoments = new ArrayList<>();
    private final List<NDArray> secondMoments = new ArrayList<>();
    private final Settings settings;
    private int steps;

    /**
     * Optimizer state lives in each parameter's manager, beside the parameter.
     *
     * @param parameters leaf arrays with gradients attached
     */
    public BareAdamW(NDList parameters, Settings settings) {
        this.parameters = List.copyOf(parameters);
        this.settings = settings;
        for (NDArray p : this.parameters) {
            if (!p.hasGradient()) {
                throw new IllegalArgumentException("parameter '" + p.getName() + "' " + p.getShape()
                        + " has no gradient attached; call setRequiresGradient(true) first");
            }
            firstMoments.add(p.getManager().zeros(p.getShape(), p.getDataType()));
            secondMoments.add(p.getManager().zeros(p.getShape(), p.getDataType()));
        }
    }

    /** How many updates have been applied. */
    public int steps() {
        return steps;
    }

    /** Applies one update from the current gradients, then zeroes them for the next step. */
    public void step() {
        steps++;
        double firstCorrection = 1 - Math.pow(settings.beta1(), steps);
        double secondCorrectionRoot = Math.sqrt(1 - Math.pow(settings.beta2(), steps));
        float correctedRate = (float) (settings.learningRate() * secondCorrectionRoot / firstCorrection);
        float epsilon = (float) (settings.epsilon() * secondCorrectionRoot);
        for (int i = 0; i < parameters.size(); i++) {
            NDArray p = parameters.get(i);
            NDArray m = firstMoments.get(i);
            NDArray v = secondMoments.get(i);
            // getGradient() hands out a new native handle each call; it must not outlive the step.
            // The engine's update also zero_()s the gradient of the single array in its second list,
            // like optimizer.zero_grad(set_to_none=False) in the PyTorch peer.
            try (NDArray grad = p.getGradient()) {
                p.getNDArrayInternal().adamUpdate(new NDList(p, grad, m, v), new NDList(p),
                        settings.learningRate(), correctedRate, settings.weightDecay(), 1f, -1f,
                        settings.beta1(), settings.beta2(), epsilon, false, true);
            }
        }
    }
}

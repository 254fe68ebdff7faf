package dev.spindle.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Adam with decoupled weight decay, as {@code torch.optim.AdamW}: {@code p -= lr*wd*p}, then the
 * Adam update with bias correction, {@code p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)}.
 *
 * <pre>{@code
 * Optimizer adamw = new AdamW(stateManager, 0.9, 0.999, 1e-8, 0.01);
 * adamw.step(model.parameters(), 3e-4f);
 * }</pre>
 *
 * <p>State per trainable parameter: {@code exp_avg/<p>}, {@code exp_avg_sq/<p>} (float32, shaped as
 * the parameter) and {@code step/<p>} (an int64 scalar), as PyTorch keeps it. The update runs as
 * one call of libtorch's fused Adam kernel per parameter (DJL's {@code adamUpdate}), with the rate
 * and eps rescaled so that the result is PyTorch's (eps added after the bias correction of v);
 * rounding differs from PyTorch's sequence of operations in the last bits.
 */
public final class AdamW extends NamedStateOptimizer {

    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPS = 1e-8;
    public static final double DEFAULT_WEIGHT_DECAY = 0.01;

    private static final String EXP_AVG = "exp_avg";
    private static final String EXP_AVG_SQ = "exp_avg_sq";
    private static final String STEP = "step";
    /** The fused update's clip value that turns its own gradient clipping off. */
    private static final float NO_GRADIENT_CLIPPING = -1f;

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    /** Host mirror of the step scalars, so bias corrections need no device read. */
    private final Map<String, Long> steps = new HashMap<>();

    /** @param stateManager owns the moments; closing it frees them */
    public AdamW(NDManager stateManager, double beta1, double beta2, double eps, double weightDecay) {
        super(stateManager);
        checkBeta("beta1", beta1);
        checkBeta("beta2", beta2);
        if (!(eps >= 0 && Double.isFinite(eps))) {
            throw new IllegalArgumentException("eps: got " + eps + ", expected a small number >= 0 such as 1e-8");
        }
        if (!(weightDecay >= 0 && Double.isFinite(weightDecay))) {
            throw new IllegalArgumentException("weightDecay: got " + weightDecay + ", expected >= 0");
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    @Override
    List<String> kinds() {
        return List.of(EXP_AVG, EXP_AVG_SQ, STEP);
    }

    @Override
    Set<String> scalarKinds() {
        return Set.of(STEP);
    }

    @Override
    void update(String name, NDArray parameter, NDArray gradient, float lr) {
        NDArray expAvg = stateArray(EXP_AVG, name);
        NDArray expAvgSq = stateArray(EXP_AVG_SQ, name);
        NDArray step = stateArray(STEP, name);
        if (expAvg == null) {
            NDManager manager = parameter.getManager();
            expAvg = keep(EXP_AVG, name, manager.zeros(parameter.getShape(), DataType.FLOAT32));
            expAvgSq = keep(EXP_AVG_SQ, name, manager.zeros(parameter.getShape(), DataType.FLOAT32));
            step = keep(STEP, name, manager.zeros(new Shape(), DataType.INT64));
        }
        long t = steps.merge(name, 1L, Long::sum);
        step.addi(1);
        // libtorch's fused update divides by sqrt(v) + eps without bias-correcting v. Scaling the
        // rate by sqrt(1 - beta2^t) / (1 - beta1^t) and eps by sqrt(1 - beta2^t) turns it into
        // torch.optim.AdamW's lr * m_hat / (sqrt(v_hat) + eps); adamw=true makes the weight decay
        // decoupled (p *= 1 - lr * wd first). One native call per parameter instead of a dozen.
        double secondCorrectionRoot = Math.sqrt(1 - Math.pow(beta2, t));
        float correctedRate = (float) (lr * secondCorrectionRoot / (1 - Math.pow(beta1, t)));
        float correctedEps = (float) (eps * secondCorrectionRoot);
        parameter.getNDArrayInternal().adamUpdate(
                new NDList(parameter, gradient, expAvg, expAvgSq), new NDList(parameter),
                lr, correctedRate, (float) weightDecay, 1f, NO_GRADIENT_CLIPPING,
                (float) beta1, (float) beta2, correctedEps, false, true);
    }

    @Override
    void stateLoaded() {
        steps.clear();
        for (Map.Entry<String, NDArray> entry : state().entrySet()) {
            if (entry.getKey().startsWith(STEP + "/")) {
                // the only device read of a resume: the step counts drive the bias corrections
                long t = entry.getValue().toType(DataType.INT64, false).getLong();
                steps.put(entry.getKey().substring(STEP.length() + 1), t);
            }
        }
    }

    private static void checkBeta(String field, double beta) {
        if (!(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException(field + ": got " + beta + ", expected a value in [0, 1)");
        }
    }
}

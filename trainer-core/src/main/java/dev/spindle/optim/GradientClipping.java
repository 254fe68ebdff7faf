package dev.spindle.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.spindle.collective.Collectives;
import dev.spindle.collective.ReduceOp;
import dev.spindle.model.Parameters;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Clipping of the gradients by their global L2 norm, as {@code torch.nn.utils.clip_grad_norm_}.
 *
 * <pre>{@code
 * double norm = GradientClipping.clipGlobalNorm(model.parameters(), 1.0);   // log it
 * optimizer.step(model.parameters(), lr);
 * }</pre>
 */
public final class GradientClipping {

    private GradientClipping() {}

    /**
     * Global L2 norm over the trainable parameters' gradients, read back to the host once (not once
     * per parameter); when maxNorm &gt; 0 and the norm exceeds it, scales every gradient in place by
     * maxNorm/norm. Returns the norm before clipping.
     */
    public static double clipGlobalNorm(Parameters parameters, double maxNorm) {
        return clipGlobalNorm(parameters, maxNorm, Collectives.single(), name -> true);
    }

    /**
     * The same over a model whose parameters are spread over the ranks of {@code group} (the tensor and
     * pipeline ranks of one model replica): each rank adds the squares of the gradients {@code counted}
     * accepts (a replicated parameter on one rank only), one all-reduce sums them, and every rank scales
     * all of its gradients by the same factor.
     */
    public static double clipGlobalNorm(Parameters parameters, double maxNorm, Collectives group,
                                        Predicate<String> counted) {
        if (Double.isNaN(maxNorm)) {
            throw new IllegalArgumentException("maxNorm: got NaN, expected > 0 to clip or <= 0 to only measure");
        }
        List<String> names = parameters.trainableNames();
        if (names.isEmpty() && group.worldSize() == 1) {
            return 0.0;
        }
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDScope scope = new NDScope()) {
            // every gradient handle and temporary made below is closed with the scope
            scope.suppressNotUsedWarning();
            List<NDArray> gradients = new ArrayList<>(names.size());
            NDArray sumOfSquares = null;
            for (String name : names) {
                NDArray gradient = JniUtils.getGradient((PtNDArray) parameters.get(name));
                if (gradient == null) {
                    continue; // no backward reached it: nothing to measure or scale
                }
                gradients.add(gradient);
                if (!counted.test(name)) {
                    continue;
                }
                // one pass over each gradient; the per-parameter norms are combined in float64 so
                // that many parameters' sums do not lose the small ones
                NDArray squares = gradient.norm().toType(DataType.FLOAT64, false).square();
                sumOfSquares = sumOfSquares == null ? squares : sumOfSquares.addi(squares);
            }
            double local = sumOfSquares == null ? 0.0 : sumOfSquares.getDouble();
            if (group.worldSize() > 1) {
                FloatBuffer total = FloatBuffer.wrap(new float[] {(float) local});
                group.allReduce(total, ReduceOp.SUM);
                local = total.get(0);
            }
            double norm = Math.sqrt(local);
            if (maxNorm > 0 && norm > maxNorm) {
                double scale = maxNorm / norm;
                for (NDArray gradient : gradients) {
                    gradient.muli(scale);
                }
            }
            return norm;
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }
}

package dev.spindle.optim;

/**
 * The learning rate as a function of the optimizer step.
 *
 * <pre>{@code
 * LrSchedule schedule = LrSchedule.warmupCosine(3e-4, 100, 5000, 0.1);
 * optimizer.step(parameters, (float) schedule.lr(step));
 * }</pre>
 */
public interface LrSchedule {

    /** @param step 0-based index of the optimizer step about to be taken */
    double lr(long step);

    /** The same rate at every step. */
    static LrSchedule constant(double lr) {
        if (!(lr >= 0 && Double.isFinite(lr))) {
            throw new IllegalArgumentException("lr: got " + lr + ", expected a finite learning rate >= 0");
        }
        return step -> lr;
    }

    /**
     * Linear warmup from {@code peak/warmupSteps} to {@code peak} over steps {@code 0..warmupSteps-1},
     * then a half cosine down to {@code peak*minRatio} at {@code totalSteps}, flat after that.
     */
    static LrSchedule warmupCosine(double peak, long warmupSteps, long totalSteps, double minRatio) {
        return new WarmupDecay(peak, warmupSteps, totalSteps, minRatio, WarmupDecay.Shape.COSINE);
    }

    /** As {@link #warmupCosine} but the decay is a straight line. */
    static LrSchedule warmupLinear(double peak, long warmupSteps, long totalSteps, double minRatio) {
        return new WarmupDecay(peak, warmupSteps, totalSteps, minRatio, WarmupDecay.Shape.LINEAR);
    }
}

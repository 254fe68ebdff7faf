package dev.spindle.cluster.control;

/**
 * When the coordinator calls a rank a straggler: its step time exceeds {@code factor} times the median of the other ranks
 * for {@code consecutiveSteps} steps in a row (one {@code straggler} event per streak).
 *
 * <pre>{@code
 * StragglerPolicy p = StragglerPolicy.DEFAULT;          // 2.0 x median for 5 steps
 * StragglerPolicy strict = new StragglerPolicy(1.5, 3);
 * }</pre>
 */
public record StragglerPolicy(double factor, int consecutiveSteps) {

    /** 2.0 times the median for 5 consecutive steps. */
    public static final StragglerPolicy DEFAULT = new StragglerPolicy(2.0, 5);

    public StragglerPolicy {
        if (!(factor > 1.0) || consecutiveSteps < 1) {
            throw new IllegalArgumentException("StragglerPolicy needs factor > 1 and consecutiveSteps >= 1, got factor "
                    + factor + ", consecutiveSteps " + consecutiveSteps);
        }
    }

    /** Whether {@code stepMillis} is slow against {@code median}. */
    boolean slow(double stepMillis, double median) {
        return median > 0 && stepMillis > factor * median;
    }
}

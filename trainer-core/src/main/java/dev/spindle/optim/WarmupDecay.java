package dev.spindle.optim;

/**
 * Linear warmup to a peak, then a decay to {@code peak*minRatio} at {@code totalSteps}. Warmup step
 * {@code s} gets {@code peak*(s+1)/warmupSteps} so that the first step already moves the weights.
 */
record WarmupDecay(double peak, long warmupSteps, long totalSteps, double minRatio, Shape shape)
        implements LrSchedule {

    enum Shape {
        COSINE,
        LINEAR
    }

    WarmupDecay {
        if (!(peak >= 0 && Double.isFinite(peak))) {
            throw new IllegalArgumentException("peak: got " + peak + ", expected a finite learning rate >= 0");
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmupSteps: got " + warmupSteps + ", expected >= 0");
        }
        if (totalSteps < warmupSteps || totalSteps <= 0) {
            throw new IllegalArgumentException("totalSteps: got " + totalSteps
                    + ", expected > 0 and >= warmupSteps (" + warmupSteps + ")");
        }
        if (!(minRatio >= 0 && minRatio <= 1)) {
            throw new IllegalArgumentException("minRatio: got " + minRatio + ", expected a value in [0, 1]");
        }
    }

    @Override
    public double lr(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step: got " + step + ", expected >= 0");
        }
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        double min = peak * minRatio;
        long decaySteps = totalSteps - warmupSteps;
        double progress = decaySteps == 0 ? 1.0 : Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
        double remaining = shape == Shape.COSINE ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
        return min + (peak - min) * remaining;
    }
}

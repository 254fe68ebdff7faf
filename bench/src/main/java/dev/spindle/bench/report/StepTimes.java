package dev.spindle.bench.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Wall-clock times of consecutive training steps, in milliseconds, and the statistics the
 * benchmark reports on them.
 *
 * <p>Every implementation under test (Spindle, the bare DJL loop, PyTorch eager) is summarised the
 * same way: the first {@code warmup} steps are dropped (allocator growth, JIT, first-touch of
 * pages) and the median of the rest is the step time. The median, not the mean, because a shared
 * two-core machine throws in the odd step that waited for another process.
 *
 * <pre>{@code
 * StepTimes times = new StepTimes(List.of(9.0, 2.1, 2.0, 2.2));
 * double ms = times.afterWarmup(1).median(); // 2.1
 * }</pre>
 *
 * @param millis the step times in step order, each finite and non-negative
 */
public record StepTimes(List<Double> millis) {

    public StepTimes {
        millis = List.copyOf(millis);
        for (int i = 0; i < millis.size(); i++) {
            double ms = millis.get(i);
            if (!Double.isFinite(ms) || ms < 0) {
                throw new IllegalArgumentException(
                        "step time " + i + " is " + ms + " ms; expected a finite, non-negative number");
            }
        }
    }

    /** The times without the first {@code warmup} steps. */
    public StepTimes afterWarmup(int warmup) {
        if (warmup < 0 || warmup >= millis.size()) {
            throw new IllegalArgumentException("warm-up of " + warmup + " steps leaves nothing of "
                    + millis.size() + " steps; expected 0 <= warm-up < number of steps");
        }
        return new StepTimes(millis.subList(warmup, millis.size()));
    }

    /** The median step time; for an even count, the mean of the two middle values. */
    public double median() {
        if (millis.isEmpty()) {
            throw new IllegalStateException("no step times to take the median of");
        }
        double[] sorted = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /**
     * The mean time of each consecutive group of {@code stepsPerRound} steps; a trailing partial
     * group is dropped. Shows drift that a single median hides.
     */
    public List<Double> roundMeans(int stepsPerRound) {
        if (stepsPerRound < 1) {
            throw new IllegalArgumentException("stepsPerRound is " + stepsPerRound + "; expected >= 1");
        }
        List<Double> means = new ArrayList<>();
        for (int start = 0; start + stepsPerRound <= millis.size(); start += stepsPerRound) {
            means.add(millis.subList(start, start + stepsPerRound).stream()
                    .mapToDouble(Double::doubleValue).average().orElseThrow());
        }
        return means;
    }
}

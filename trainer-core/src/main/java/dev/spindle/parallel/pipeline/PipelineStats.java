package dev.spindle.parallel.pipeline;

/**
 * Where one stage's time and memory went in one training step.
 *
 * @param stages the number of pipeline stages P
 * @param stage this stage's index
 * @param microBatches M
 * @param schedule the schedule that ran
 * @param stepNanos the step's wall time on this stage, until its last send was handed over
 * @param computeNanos time in forward and backward passes (including the tensor-parallel collectives
 *     inside them)
 * @param waitNanos time blocked on the neighbours: receives, and the final wait for sends
 * @param peakMicroBatches the most micro-batches whose activations the stage held at once
 * @param peakActivationBytes the most bytes those micro-batches' arrays held at once (arrays that view
 *     another's memory counted at their own size, so an upper bound)
 */
public record PipelineStats(int stages, int stage, int microBatches, Schedule schedule, long stepNanos,
                            long computeNanos, long waitNanos, int peakMicroBatches, long peakActivationBytes) {

    /** Before the first step. */
    public static final PipelineStats NONE = new PipelineStats(1, 0, 1, Schedule.GPIPE, 0, 0, 0, 0, 0);

    /** The fraction of the step this stage spent not computing: its bubble plus its communication. */
    public double idleFraction() {
        return stepNanos == 0 ? 0.0 : 1.0 - (double) computeNanos / stepNanos;
    }
}

package dev.spindle.cluster.bench;

import dev.spindle.parallel.pipeline.Schedule;

/**
 * The pipeline benchmark's target for one stage's idle fraction: the ideal bubble
 * {@code (P−1)/(M+P−1)} plus the share of the step that communication on the critical path costs,
 * with 10% of slack.
 *
 * <p>The critical path of a P-stage step carries one activation across each of the P−1 boundaries
 * going forward (the first micro-batch filling the pipeline) and one gradient back across each going
 * backward (the last micro-batch draining it): {@code 2(P−1)} one-way transfers of an activation,
 * each taking {@code oneWaySeconds} (measured by ping-pong between two ranks). Transfers of the other
 * micro-batches overlap with compute, since sends run on their own threads.
 *
 * <pre>{@code
 * BubbleTarget target = new BubbleTarget(4, 8, 0.0004, 0.250);
 * boolean met = target.met(measuredIdleFraction);    // measured <= 1.1 × (ideal + comm)
 * }</pre>
 *
 * @param stages P
 * @param microBatches M
 * @param oneWaySeconds the time to move one activation (or its gradient) between neighbouring ranks
 * @param stepSeconds the stage's measured step time
 */
public record BubbleTarget(int stages, int microBatches, double oneWaySeconds, double stepSeconds) {

    /** How far above ideal + communication a measured idle fraction may be and still meet the target. */
    public static final double TOLERANCE = 0.10;

    public BubbleTarget {
        if (stages < 1 || microBatches < 1 || !(oneWaySeconds >= 0) || !(stepSeconds > 0)) {
            throw new IllegalArgumentException("BubbleTarget: got stages " + stages + ", microBatches " + microBatches
                    + ", oneWaySeconds " + oneWaySeconds + ", stepSeconds " + stepSeconds
                    + "; expected stages, microBatches >= 1, oneWaySeconds >= 0, stepSeconds > 0");
        }
    }

    /** {@code (P−1)/(M+P−1)}. */
    public double ideal() {
        return Schedule.idealBubble(stages, microBatches);
    }

    /** The fraction of the step the critical path's {@code 2(P−1)} transfers take. */
    public double communication() {
        return 2.0 * (stages - 1) * oneWaySeconds / stepSeconds;
    }

    /** {@link #ideal} + {@link #communication}. */
    public double idealPlusCommunication() {
        return ideal() + communication();
    }

    /** The largest idle fraction that meets the target: {@code (1 + TOLERANCE) × (ideal + comm)}. */
    public double limit() {
        return (1 + TOLERANCE) * idealPlusCommunication();
    }

    /** Whether {@code measuredIdle} is within the target. */
    public boolean met(double measuredIdle) {
        return measuredIdle <= limit();
    }
}

package dev.spindle.cluster.control;

/**
 * Thrown by {@link WorkerNode#awaitAssignment} when no assignment will come: the job finished (or was
 * stopped), failed, this worker was removed from the cluster, or the wait timed out.
 *
 * <pre>{@code
 * try {
 *     a = worker.awaitAssignment(timeout);
 * } catch (JobEndedException e) {
 *     System.exit(e.reason() == JobEndedException.Reason.FINISHED ? 0 : 1);
 * }
 * }</pre>
 */
public final class JobEndedException extends RuntimeException {

    /** Why no assignment comes. */
    public enum Reason {
        /** The job finished or was stopped on request; its final checkpoint is committed. */
        FINISHED,
        /** The coordinator gave the job up. */
        FAILED,
        /** This worker was downed / removed from the cluster (or its node shut down). */
        DOWNED,
        /** No assignment came within the timeout. */
        TIMED_OUT
    }

    private final Reason reason;

    public JobEndedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}

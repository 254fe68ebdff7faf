package dev.spindle.cluster.control;

/**
 * How a job ended, as {@link CoordinatorNode#outcome()} reports it.
 *
 * <pre>{@code
 * JobOutcome o = coordinator.outcome().get();
 * if (!o.succeeded()) throw new RunFailedException(o.message());
 * }</pre>
 *
 * @param succeeded true when every rank finished and the final checkpoint was committed
 * @param finalStep the step of the final committed checkpoint (or the newest one when failed; -1 if none)
 * @param message one line for the user
 * @param generations how many generations the job went through
 */
public record JobOutcome(boolean succeeded, long finalStep, String message, long generations) {}

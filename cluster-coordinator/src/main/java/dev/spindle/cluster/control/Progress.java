package dev.spindle.cluster.control;

/**
 * One rank's report after one training step; the coordinator writes a line of {@code metrics.jsonl} when
 * every rank of the generation has reported the step.
 *
 * <pre>{@code
 * worker.reportProgress(new Progress(a.generation(), a.rank(), step, loss, batch.samples(), millis));
 * }</pre>
 *
 * @param generation the generation the step ran in
 * @param rank the reporting rank
 * @param step the step just completed (1-based)
 * @param loss the rank's (unscaled) loss
 * @param samples the samples of the rank's slice of the global batch
 * @param stepMillis wall time of the step on this rank
 * @param learningRate the learning rate the step used ({@code NaN} if unknown)
 * @param tokens the target tokens of the rank's slice ({@code 0} for tabular data)
 * @param evalLoss the held-out loss measured after the step, {@code NaN} when none was
 */
public record Progress(long generation, int rank, long step, double loss, int samples, double stepMillis,
                       double learningRate, long tokens, double evalLoss)
        implements ControlMessage {

    /** A report with the step's loss, samples and time only. */
    public Progress(long generation, int rank, long step, double loss, int samples, double stepMillis) {
        this(generation, rank, step, loss, samples, stepMillis, Double.NaN, 0, Double.NaN);
    }

    public Progress {
        if (rank < 0 || step < 0 || samples < 0 || tokens < 0 || !(stepMillis >= 0)) {
            throw new IllegalArgumentException("Progress needs rank, step, samples >= 0 and stepMillis >= 0, got rank "
                    + rank + ", step " + step + ", samples " + samples + ", stepMillis " + stepMillis);
        }
    }
}

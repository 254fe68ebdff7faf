package dev.spindle.train;

/**
 * What one optimizer step measured; one line of {@code metrics.jsonl}.
 *
 * @param step the number of optimizer steps completed, counting this one (1-based)
 * @param loss mean training loss over the step's micro-batches
 * @param learningRate the learning rate the step used
 * @param gradNorm global L2 norm of the gradients before clipping; {@code NaN} when clipping is off
 * @param samplesPerSec sequences or rows per second over this step
 * @param tokensPerSec target tokens per second over this step ({@code 0} for tabular data)
 * @param stepMillis wall time of the step, data wait included
 * @param dataWaitMillis time the step waited for its batches
 * @param elapsedSeconds wall time since this process started training
 * @param evalLoss held-out loss measured after this step, or {@code NaN} when none was measured
 */
public record StepMetrics(
        long step,
        double loss,
        double learningRate,
        double gradNorm,
        double samplesPerSec,
        double tokensPerSec,
        double stepMillis,
        double dataWaitMillis,
        double elapsedSeconds,
        double evalLoss) {

    /** A copy carrying the held-out loss measured after the step. */
    public StepMetrics withEvalLoss(double value) {
        return new StepMetrics(step, loss, learningRate, gradNorm, samplesPerSec, tokensPerSec,
                stepMillis, dataWaitMillis, elapsedSeconds, value);
    }

    /** Whether a held-out loss was measured after this step. */
    public boolean hasEvalLoss() {
        return !Double.isNaN(evalLoss);
    }
}

package dev.spindle.train;

import dev.spindle.checkpoint.CheckpointInfo;
import java.util.Optional;

/**
 * How a run of {@link Trainer#run} ended.
 *
 * @param startStep steps already done when this process started (non-zero after a resume)
 * @param finalStep steps done when it stopped
 * @param finalLoss training loss of the last step, or {@code NaN} when no step ran
 * @param lastCheckpoint the checkpoint written at the end, if any was written by this process
 * @param stoppedEarly whether the run stopped before the spec's step count (a stop request or {@code stopAt})
 */
public record TrainResult(
        long startStep,
        long finalStep,
        double finalLoss,
        Optional<CheckpointInfo> lastCheckpoint,
        boolean stoppedEarly) {}

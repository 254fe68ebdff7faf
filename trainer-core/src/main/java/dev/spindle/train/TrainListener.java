package dev.spindle.train;

import dev.spindle.checkpoint.CheckpointInfo;

/**
 * Observes a training run: the CLI's progress bar, the metrics file and tests plug in here.
 * Callbacks run on the training thread between steps, so they must be quick.
 */
public interface TrainListener {

    /** Before the first step of this process; {@code startStep} is the number of steps already done. */
    default void onStart(long startStep, long totalSteps) {}

    /** After every optimizer step (and after its evaluation, when one ran). */
    default void onStep(StepMetrics metrics) {}

    /**
     * A line worth showing the person running the job, e.g. what a fine-tuning method trains or
     * where it wrote its result (without a prefix; the CLI adds {@code spindle: }).
     */
    default void onNote(String line) {}

    /** After a checkpoint was committed. */
    default void onCheckpoint(CheckpointInfo checkpoint) {}

    /**
     * Once per run, after the first step's {@link #onStep}: what this rank holds for training (parameters,
     * gradients, optimizer state, peak activations). A cluster worker forwards it to the coordinator.
     */
    default void onMemory(MemoryReport memory) {}
}

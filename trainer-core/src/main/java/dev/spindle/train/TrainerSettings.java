package dev.spindle.train;

import dev.spindle.spec.JobSpec;
import dev.spindle.spec.TrainingSpec;

/**
 * The numbers the step loop needs, taken from a job spec.
 *
 * @param totalSteps optimizer steps of the whole job
 * @param seed the run's seed: the engine is reseeded from it and the step index every step
 * @param gradientAccumulation micro-batches per optimizer step
 * @param gradientClipping maximum global gradient norm; {@code 0} turns clipping off
 * @param evalInterval evaluate every this many steps; {@code 0} never
 * @param evalBatches held-out batches per evaluation
 * @param checkpointEvery checkpoint every this many steps; {@code 0} only at the end
 * @param specDigest digest of the resolved job spec, stored in every checkpoint
 * @param baseParametersDigest {@code ParametersDigest} of the frozen base when some parameters are
 *     frozen (LoRA): checkpoints then hold only trainable parameters and name the base by this
 *     digest, and a restore refuses a checkpoint made on another base; {@code null} otherwise
 */
public record TrainerSettings(
        long totalSteps,
        long seed,
        int gradientAccumulation,
        double gradientClipping,
        int evalInterval,
        int evalBatches,
        int checkpointEvery,
        String specDigest,
        String baseParametersDigest) {

    /** Settings of a run that trains every parameter. */
    public TrainerSettings(long totalSteps, long seed, int gradientAccumulation, double gradientClipping,
            int evalInterval, int evalBatches, int checkpointEvery, String specDigest) {
        this(totalSteps, seed, gradientAccumulation, gradientClipping, evalInterval, evalBatches,
                checkpointEvery, specDigest, null);
    }

    public TrainerSettings {
        if (totalSteps < 1) {
            throw new IllegalArgumentException("totalSteps: got " + totalSteps + ", expected >= 1");
        }
        if (gradientAccumulation < 1) {
            throw new IllegalArgumentException(
                    "gradientAccumulation: got " + gradientAccumulation + ", expected >= 1");
        }
        if (gradientClipping < 0 || evalInterval < 0 || evalBatches < 1 || checkpointEvery < 0) {
            throw new IllegalArgumentException("gradientClipping, evalInterval and checkpointEvery must"
                    + " be >= 0 and evalBatches >= 1; got " + gradientClipping + ", " + evalInterval
                    + ", " + checkpointEvery + ", " + evalBatches);
        }
    }

    /** The same settings for a run on the frozen base of this digest. */
    public TrainerSettings withBaseParametersDigest(String digest) {
        return new TrainerSettings(totalSteps, seed, gradientAccumulation, gradientClipping, evalInterval,
                evalBatches, checkpointEvery, specDigest, digest);
    }

    /** The settings a job spec asks for. */
    public static TrainerSettings of(JobSpec job, String specDigest) {
        TrainingSpec training = job.spec().training();
        // The effective micro-batches per step: spec.parallelism.microBatches, else gradientAccumulation.
        return new TrainerSettings(training.steps(), training.seed(), job.spec().microBatches(),
                training.gradientClipping(), training.evalInterval(), training.evalBatches(),
                job.spec().checkpoint().everySteps(), specDigest);
    }
}

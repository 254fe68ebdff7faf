package dev.spindle.spec;

/**
 * How long and how to train: steps, batch size, seed, gradient accumulation and clipping, evaluation and
 * logging cadence, threads.
 *
 * <pre>{@code
 * TrainingSpec t = TrainingSpec.of(1000, 32).withSteps(10);
 * }</pre>
 *
 * @param steps optimizer steps
 * @param batchSize the global batch: examples per micro-batch across all data-parallel workers together;
 *     each worker takes a near-equal slice of it ({@code DataShard}), so the result does not depend on
 *     the number of workers
 * @param gradientAccumulation micro-batches per optimizer step
 * @param gradientClipping maximum global gradient norm; {@code 0} turns clipping off
 * @param evalInterval steps between evaluations; {@code 0} never evaluates
 * @param evalBatches batches per evaluation
 * @param logInterval steps between progress reports
 * @param threads libtorch threads per worker; {@code 0} uses all cores
 */
public record TrainingSpec(long steps, long seed, int batchSize, int gradientAccumulation, double gradientClipping,
                           int evalInterval, int evalBatches, int logInterval, int threads) {

    public static final long DEFAULT_SEED = 42;
    public static final int DEFAULT_GRADIENT_ACCUMULATION = 1;
    public static final double DEFAULT_GRADIENT_CLIPPING = 0.0;
    public static final int DEFAULT_EVAL_INTERVAL = 0;
    public static final int DEFAULT_EVAL_BATCHES = 8;
    public static final int DEFAULT_LOG_INTERVAL = 10;
    public static final int DEFAULT_THREADS = 0;

    static final String PATH = "spec.training";

    public TrainingSpec {
        Checks c = new Checks(PATH);
        c.atLeast("steps", steps, 1);
        c.atLeast("batchSize", batchSize, 1);
        c.atLeast("gradientAccumulation", gradientAccumulation, 1);
        c.nonNegative("gradientClipping", gradientClipping);
        c.atLeast("evalInterval", evalInterval, 0);
        c.atLeast("evalBatches", evalBatches, 1);
        c.atLeast("logInterval", logInterval, 1);
        c.atLeast("threads", threads, 0);
        c.throwIfAny();
    }

    /** {@code steps} and {@code batchSize} given, every other field at its default. */
    public static TrainingSpec of(long steps, int batchSize) {
        return new TrainingSpec(steps, DEFAULT_SEED, batchSize, DEFAULT_GRADIENT_ACCUMULATION,
                DEFAULT_GRADIENT_CLIPPING, DEFAULT_EVAL_INTERVAL, DEFAULT_EVAL_BATCHES, DEFAULT_LOG_INTERVAL,
                DEFAULT_THREADS);
    }

    /** The same settings for another number of steps (e.g. a launcher's {@code --steps}). */
    public TrainingSpec withSteps(long newSteps) {
        return new TrainingSpec(newSteps, seed, batchSize, gradientAccumulation, gradientClipping, evalInterval,
                evalBatches, logInterval, threads);
    }
}

package dev.spindle.launcher;

import dev.spindle.train.TrainListener;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * How to run a job locally, beyond what its spec says.
 *
 * @param runDirectory where metrics, the resolved spec and (by default) checkpoints go
 * @param baseDirectory relative paths in the spec resolve against it (the job file's folder)
 * @param resume continue from the newest valid checkpoint in the run directory
 * @param stopAt stop after this many steps in all (with a checkpoint), even if the spec asks for
 *     more; {@link Long#MAX_VALUE} for no limit
 * @param sampleTokens tokens of text to generate at the end for a language model; {@code 0} none
 * @param listeners observers of the run, besides the metrics file
 * @param stopRequested polled between steps; when true the run checkpoints and ends
 * @param workers worker processes to train with, a multiple of {@code spec.parallelism} tensor × pipeline (the
 *     data-parallel degree becomes workers / (tensor × pipeline)); {@code 0} takes the spec's mesh; with more
 *     than one, this process hosts the coordinator and spawns the workers on 127.0.0.1
 */
public record TrainOptions(
        Path runDirectory,
        Path baseDirectory,
        boolean resume,
        long stopAt,
        int sampleTokens,
        List<TrainListener> listeners,
        BooleanSupplier stopRequested,
        int workers) {

    /** Tokens of text generated at the end of a language-model run by default. */
    public static final int DEFAULT_SAMPLE_TOKENS = 240;

    public TrainOptions {
        Objects.requireNonNull(runDirectory, "runDirectory");
        Objects.requireNonNull(baseDirectory, "baseDirectory");
        if (stopAt < 1) {
            throw new IllegalArgumentException("stopAt: got " + stopAt + ", expected >= 1");
        }
        if (sampleTokens < 0) {
            throw new IllegalArgumentException("sampleTokens: got " + sampleTokens + ", expected >= 0");
        }
        listeners = List.copyOf(listeners);
        Objects.requireNonNull(stopRequested, "stopRequested");
        if (workers < 0) {
            throw new IllegalArgumentException("workers: got " + workers + ", expected >= 1 (or 0 for the spec's"
                    + " spec.parallelism.data)");
        }
    }

    /** A fresh run in {@code runDirectory}, paths relative to the working directory. */
    public static TrainOptions in(Path runDirectory) {
        return new TrainOptions(runDirectory, Path.of("").toAbsolutePath(), false, Long.MAX_VALUE,
                DEFAULT_SAMPLE_TOKENS, List.of(), () -> false, 0);
    }

    public TrainOptions withResume(boolean value) {
        return new TrainOptions(runDirectory, baseDirectory, value, stopAt, sampleTokens, listeners, stopRequested, workers);
    }

    public TrainOptions withStopAt(long value) {
        return new TrainOptions(runDirectory, baseDirectory, resume, value, sampleTokens, listeners, stopRequested, workers);
    }

    public TrainOptions withBaseDirectory(Path value) {
        return new TrainOptions(runDirectory, value, resume, stopAt, sampleTokens, listeners, stopRequested, workers);
    }

    public TrainOptions withSampleTokens(int value) {
        return new TrainOptions(runDirectory, baseDirectory, resume, stopAt, value, listeners, stopRequested, workers);
    }

    public TrainOptions withListeners(List<TrainListener> value) {
        return new TrainOptions(runDirectory, baseDirectory, resume, stopAt, sampleTokens, value, stopRequested, workers);
    }

    public TrainOptions withStopRequested(BooleanSupplier value) {
        return new TrainOptions(runDirectory, baseDirectory, resume, stopAt, sampleTokens, listeners, value, workers);
    }

    public TrainOptions withWorkers(int value) {
        return new TrainOptions(runDirectory, baseDirectory, resume, stopAt, sampleTokens, listeners, stopRequested,
                value);
    }
}

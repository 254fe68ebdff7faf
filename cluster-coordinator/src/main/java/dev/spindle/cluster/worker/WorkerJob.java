package dev.spindle.cluster.worker;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The job a worker process serves, as the launcher handed it over.
 *
 * @param jobFile the resolved job spec the launcher wrote into the run directory
 * @param baseDirectory relative paths in the spec resolve against it (the original job file's folder)
 * @param runDirectory the run's directory (checkpoints by default, the ingestion log)
 * @param threads libtorch threads for this worker; {@code 0} leaves the spec's or the engine's default
 */
public record WorkerJob(Path jobFile, Path baseDirectory, Path runDirectory, int threads) {

    public WorkerJob {
        Objects.requireNonNull(jobFile, "jobFile");
        Objects.requireNonNull(baseDirectory, "baseDirectory");
        Objects.requireNonNull(runDirectory, "runDirectory");
        if (threads < 0) {
            throw new IllegalArgumentException("threads: got " + threads + ", expected >= 0");
        }
    }
}

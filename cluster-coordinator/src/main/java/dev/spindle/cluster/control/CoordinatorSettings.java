package dev.spindle.cluster.control;

import dev.spindle.cluster.security.JobSecret;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything {@link CoordinatorNode#start} needs. Validated here: all problems are reported at once.
 *
 * <p>A job with tensor × pipeline model parallelism runs in whole model replicas of
 * {@code modelParallelSize} = T·P workers: every generation's world is a multiple of it, so the worker counts
 * ({@code desiredWorkers}, {@code minWorkers}, {@code maxWorkers}) must be multiples of it too. After a failure
 * the job shrinks by whole replicas (8 workers of model-parallel size 4 that lose one go on with 4, not 7).
 *
 * <pre>{@code
 * var settings = new CoordinatorSettings("mnist", "127.0.0.1", 0, secret, runDir.resolve("tls"),
 *         4, 2, 6, Duration.ofSeconds(60), 1000, 100, CheckpointCommitter.of(store), runDir, StragglerPolicy.DEFAULT);
 * var mesh = new CoordinatorSettings("gpt", "127.0.0.1", 0, secret, runDir.resolve("tls"),
 *         8, 4, 8, Duration.ofSeconds(60), 1000, 100, CheckpointCommitter.of(store), runDir, StragglerPolicy.DEFAULT,
 *         4);   // tensor 2 × pipeline 2: generations of 8 or 4 workers
 * }</pre>
 *
 * @param jobName the job's name (events, logs)
 * @param host the address Artery binds and advertises
 * @param port the Artery port, 0 for an ephemeral one
 * @param secret the per-job secret
 * @param tlsDir where the job's TLS store is (made there if absent)
 * @param desiredWorkers the world size the job asks for
 * @param minWorkers the smallest world the job continues with after a failure
 * @param maxWorkers the largest world the job grows to
 * @param rendezvousTimeout after a failure, how long to wait for {@code desiredWorkers} before continuing with
 *        at least {@code minWorkers} (the first generation waits for all {@code desiredWorkers})
 * @param totalSteps the step the job ends at
 * @param checkpointEvery workers checkpoint every this many steps (and at the last one); {@code 0}: only at the last
 * @param checkpoints commits shards and knows the newest checkpoint
 * @param runDir where {@code metrics.jsonl} and {@code events.jsonl} go
 * @param straggler when a rank counts as a straggler
 * @param modelParallelSize workers per model replica (tensor × pipeline), {@code 1} for a data-parallel job;
 *        every generation's world size is a multiple of it
 */
public record CoordinatorSettings(String jobName, String host, int port, JobSecret secret, Path tlsDir,
        int desiredWorkers, int minWorkers, int maxWorkers, Duration rendezvousTimeout, long totalSteps,
        int checkpointEvery, CheckpointCommitter checkpoints, Path runDir, StragglerPolicy straggler,
        int modelParallelSize) {

    /** A data-parallel job: every worker holds a whole model replica. */
    public static final int DEFAULT_MODEL_PARALLEL_SIZE = 1;

    /** The settings of a data-parallel job ({@link #DEFAULT_MODEL_PARALLEL_SIZE}). */
    public CoordinatorSettings(String jobName, String host, int port, JobSecret secret, Path tlsDir,
            int desiredWorkers, int minWorkers, int maxWorkers, Duration rendezvousTimeout, long totalSteps,
            int checkpointEvery, CheckpointCommitter checkpoints, Path runDir, StragglerPolicy straggler) {
        this(jobName, host, port, secret, tlsDir, desiredWorkers, minWorkers, maxWorkers, rendezvousTimeout,
                totalSteps, checkpointEvery, checkpoints, runDir, straggler, DEFAULT_MODEL_PARALLEL_SIZE);
    }

    public CoordinatorSettings {
        List<String> problems = new ArrayList<>();
        if (jobName == null || jobName.isBlank()) {
            problems.add("jobName is empty");
        }
        if (host == null || host.isBlank()) {
            problems.add("host is empty");
        }
        if (port < 0 || port > 65535) {
            problems.add("port must be in [0, 65535], got " + port);
        }
        if (secret == null) {
            problems.add("secret is null");
        }
        if (tlsDir == null) {
            problems.add("tlsDir is null");
        }
        if (minWorkers < 1 || minWorkers > desiredWorkers || desiredWorkers > maxWorkers) {
            problems.add("workers must satisfy 1 <= minWorkers <= desiredWorkers <= maxWorkers, got " + minWorkers
                    + " <= " + desiredWorkers + " <= " + maxWorkers);
        }
        if (modelParallelSize < 1) {
            problems.add("modelParallelSize (tensor × pipeline) must be >= 1, got " + modelParallelSize);
        } else {
            wholeReplicas(problems, "desiredWorkers", desiredWorkers, modelParallelSize);
            wholeReplicas(problems, "minWorkers", minWorkers, modelParallelSize);
            wholeReplicas(problems, "maxWorkers", maxWorkers, modelParallelSize);
        }
        if (rendezvousTimeout == null || rendezvousTimeout.isNegative() || rendezvousTimeout.isZero()) {
            problems.add("rendezvousTimeout must be positive, got " + rendezvousTimeout);
        }
        if (totalSteps < 1) {
            problems.add("totalSteps must be >= 1, got " + totalSteps);
        }
        if (checkpointEvery < 0) {
            problems.add("checkpointEvery must be >= 0 (0: only the last step), got " + checkpointEvery);
        }
        if (checkpoints == null) {
            problems.add("checkpoints is null");
        }
        if (runDir == null) {
            problems.add("runDir is null");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("CoordinatorSettings: " + String.join("; ", problems));
        }
        if (straggler == null) {
            straggler = StragglerPolicy.DEFAULT;
        }
    }

    private static void wholeReplicas(List<String> problems, String field, int workers, int modelParallelSize) {
        if (workers % modelParallelSize != 0) {
            problems.add(field + " must be a multiple of modelParallelSize " + modelParallelSize
                    + " (tensor × pipeline: a generation runs whole model replicas), got " + workers);
        }
    }

    /**
     * The largest world {@code available} workers can form: at most {@code maxWorkers}, rounded down to whole
     * model replicas. It may be below {@code minWorkers} (then the job cannot start with them).
     */
    int largestWorld(int available) {
        int capped = Math.min(available, maxWorkers);
        return capped - Math.floorMod(capped, modelParallelSize);
    }

    /**
     * The world the next gang waits for once {@code lost} workers are gone for good (nobody replaces them):
     * whole model replicas of the workers left, never below {@code minWorkers}.
     */
    int desiredAfterLosses(int lost) {
        return Math.max(minWorkers, largestWorld(desiredWorkers - lost));
    }
}

package dev.spindle.cluster.control;

import dev.spindle.cluster.security.JobSecret;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything {@link CoordinatorNode#start} needs. Validated here: all problems are reported at once.
 *
 * <pre>{@code
 * var settings = new CoordinatorSettings("mnist", "127.0.0.1", 0, secret, runDir.resolve("tls"),
 *         4, 2, 6, Duration.ofSeconds(60), 1000, 100, CheckpointCommitter.of(store), runDir, StragglerPolicy.DEFAULT);
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
 */
public record CoordinatorSettings(String jobName, String host, int port, JobSecret secret, Path tlsDir,
        int desiredWorkers, int minWorkers, int maxWorkers, Duration rendezvousTimeout, long totalSteps,
        int checkpointEvery, CheckpointCommitter checkpoints, Path runDir, StragglerPolicy straggler) {

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
}

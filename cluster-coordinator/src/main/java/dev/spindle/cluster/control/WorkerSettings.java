package dev.spindle.cluster.control;

import dev.spindle.cluster.security.JobSecret;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything {@link WorkerNode#join} needs.
 *
 * <pre>{@code
 * var settings = new WorkerSettings("w0", "127.0.0.1", 0, "127.0.0.1:25520", secret, runDir.resolve("tls"),
 *         listener.address().toString());
 * }</pre>
 *
 * @param workerId unique in the job (the launcher names them w0, w1, ...; a replacement gets a new id)
 * @param host the address Artery binds and advertises
 * @param port the Artery port, 0 for an ephemeral one
 * @param coordinatorAddress the coordinator's {@code host:port} ({@link CoordinatorNode#seedAddress()})
 * @param secret the per-job secret
 * @param tlsDir where the job's TLS store is
 * @param dataPlaneAddress this worker's data-plane {@code host:port}
 */
public record WorkerSettings(String workerId, String host, int port, String coordinatorAddress, JobSecret secret,
        Path tlsDir, String dataPlaneAddress) {

    public WorkerSettings {
        List<String> problems = new ArrayList<>();
        if (workerId == null || !workerId.matches("[A-Za-z0-9._-]+")) {
            problems.add("workerId must be letters, digits, '.', '_' or '-', got " + workerId);
        }
        if (host == null || host.isBlank()) {
            problems.add("host is empty");
        }
        if (port < 0 || port > 65535) {
            problems.add("port must be in [0, 65535], got " + port);
        }
        if (coordinatorAddress == null || !coordinatorAddress.matches("[^:\\s/@]+:\\d{1,5}")) {
            problems.add("coordinatorAddress must be host:port, got " + coordinatorAddress);
        }
        if (secret == null) {
            problems.add("secret is null");
        }
        if (tlsDir == null) {
            problems.add("tlsDir is null");
        }
        if (dataPlaneAddress == null || !dataPlaneAddress.matches("[^\\s]+:\\d{1,5}")) {
            problems.add("dataPlaneAddress must be host:port, got " + dataPlaneAddress);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("WorkerSettings: " + String.join("; ", problems));
        }
    }
}

package dev.spindle.launcher.kube.pod;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The command line of the coordinator pod ({@code spindle coordinate}), as the rendered Job writes it:
 * {@code --job /etc/spindle/job/job.yaml --cluster-dir /etc/spindle/cluster --run-dir /scratch/run
 * --host $(POD_IP) --port 25520 --namespace $(POD_NAMESPACE) --status-configmap $(SPINDLE_JOB)-status [--resume]}.
 *
 * @param jobFile the job spec (the mounted {@code J-job} ConfigMap)
 * @param clusterDir holds {@code job.secret} and {@code job-tls.p12} (the mounted {@code J-cluster} Secret)
 * @param runDir where the coordinator writes {@code events.jsonl}, {@code metrics.jsonl} and the resolved spec
 * @param baseDirectory relative paths in the spec resolve against it (the job file's folder by default)
 * @param host the address Pekko binds and advertises: the pod IP, which workers resolve the Service name to
 * @param port the Pekko port
 * @param statusConfigMap where the status goes, as {@code namespace/name}; empty: nowhere (outside Kubernetes)
 * @param resume continue from the newest committed checkpoint
 */
public record CoordinateOptions(Path jobFile, Path clusterDir, Path runDir, Path baseDirectory, String host, int port,
        Optional<StatusTarget> statusConfigMap, boolean resume) {

    /** The Pekko port of the coordinator pod ({@code pekko} on the headless Service). */
    public static final int DEFAULT_PORT = 25520;

    /** A ConfigMap to write the status to. */
    public record StatusTarget(String namespace, String name) {}

    private static final String DNS_1123 = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

    public CoordinateOptions {
        List<String> problems = new ArrayList<>();
        if (jobFile == null) {
            problems.add("--job is missing: the job spec file (the pod mounts it at /etc/spindle/job/job.yaml)");
        }
        if (clusterDir == null) {
            problems.add("--cluster-dir is missing: the folder with job.secret and job-tls.p12 (the job's Secret)");
        }
        if (runDir == null) {
            problems.add("--run-dir is missing: a writable folder for the run's events and metrics");
        }
        if (host == null || host.isBlank()) {
            problems.add("--host is missing: the pod IP (env POD_IP from the downward API)");
        }
        if (port < 1 || port > 65535) {
            problems.add("--port: got " + port + ", expected a port in [1, 65535] (the Service's pekko port, "
                    + DEFAULT_PORT + ")");
        }
        if (statusConfigMap == null) {
            statusConfigMap = Optional.empty();
        }
        statusConfigMap.ifPresent(t -> {
            if (t.namespace() == null || !t.namespace().matches(DNS_1123)) {
                problems.add("--namespace: got '" + t.namespace() + "', expected a namespace name (lower-case letters,"
                        + " digits and '-'); with --status-configmap both are needed");
            }
            if (t.name() == null || !t.name().matches(DNS_1123 + "(\\." + DNS_1123 + ")*")) {
                problems.add("--status-configmap: got '" + t.name() + "', expected a ConfigMap name such as"
                        + " mnist-status");
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        if (baseDirectory == null) {
            Path parent = jobFile.toAbsolutePath().getParent();
            baseDirectory = parent == null ? Path.of("").toAbsolutePath() : parent;
        }
    }
}

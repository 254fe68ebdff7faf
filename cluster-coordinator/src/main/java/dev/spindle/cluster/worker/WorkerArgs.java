package dev.spindle.cluster.worker;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command line of a worker process, as the launcher (or a pod spec) writes it:
 * {@code --worker-id w0 --coordinator 127.0.0.1:25520 --job runs/x/job.yaml --base-dir examples/gpt
 * --run-dir runs/x --secret-file runs/x/job.secret --tls-dir runs/x/tls [--host 127.0.0.1] [--port 0]
 * [--data-port 0] [--advertise-data host:port] [--threads T] [--parent-pid PID]}.
 *
 * @param advertiseData the data-plane address peers should dial, when it differs from the bound one
 *     (behind a NAT or a proxy); {@code null}: the bound address
 * @param parentPid the launcher's process id: the worker exits when it does; {@code 0}: no such watch
 *     (on Kubernetes the pod's lifecycle does that)
 */
record WorkerArgs(String workerId, String coordinator, Path jobFile, Path baseDirectory, Path runDirectory,
                  Path secretFile, Path tlsDirectory, String host, int port, int dataPort, String advertiseData,
                  int threads, long parentPid) {

    private static final Set<String> REQUIRED = Set.of("--worker-id", "--coordinator", "--job", "--base-dir",
            "--run-dir", "--secret-file", "--tls-dir");
    private static final Set<String> OPTIONAL = Set.of("--host", "--port", "--data-port", "--advertise-data",
            "--threads", "--parent-pid");

    static WorkerArgs parse(List<String> args) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String key = args.get(i);
            if (!REQUIRED.contains(key) && !OPTIONAL.contains(key)) {
                throw new IllegalArgumentException("unknown worker option " + key + "; options are "
                        + new java.util.TreeSet<>(union()));
            }
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException("worker option " + key + " needs a value");
            }
            values.put(key, args.get(++i));
        }
        for (String key : REQUIRED) {
            if (!values.containsKey(key)) {
                throw new IllegalArgumentException("worker option " + key + " is missing; a worker needs "
                        + new java.util.TreeSet<>(REQUIRED));
            }
        }
        return new WorkerArgs(values.get("--worker-id"), values.get("--coordinator"),
                Path.of(values.get("--job")), Path.of(values.get("--base-dir")), Path.of(values.get("--run-dir")),
                Path.of(values.get("--secret-file")), Path.of(values.get("--tls-dir")),
                values.getOrDefault("--host", "127.0.0.1"), number(values, "--port", 0),
                number(values, "--data-port", 0), values.get("--advertise-data"), number(values, "--threads", 0),
                number(values, "--parent-pid", 0));
    }

    private static Set<String> union() {
        Set<String> all = new java.util.HashSet<>(REQUIRED);
        all.addAll(OPTIONAL);
        return all;
    }

    private static int number(Map<String, String> values, String key, int fallback) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("worker option " + key + ": got '" + v + "', expected a whole number >= 0");
        }
    }
}

package dev.spindle.launcher.kube;

import io.fabric8.kubernetes.client.dsl.ContainerResource;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;

/**
 * Which pod's log {@code spindle logs} prints (a rank's worker from the coordinator's report, else the
 * coordinator), and the copying of it.
 *
 * @param pod the pod's name
 * @param container its container: {@code worker} or {@code coordinator}
 */
record JobLogs(String pod, String container) {

    /**
     * The pod holding {@code rank} in the coordinator's current generation, or the coordinator's pod.
     *
     * @throws KubeException if there is no such rank or pod yet, or the pod has no node (and so no log)
     */
    static JobLogs of(JobStatus status, OptionalInt rank) {
        String name = status.name();
        JobLogs logs;
        if (rank.isPresent()) {
            int r = rank.getAsInt();
            StatusReport report = status.report();
            logs = new JobLogs(report.podOfRank(r).orElseThrow(() -> new KubeException("job " + name + " has no rank " + r
                    + (report.ranks().isEmpty() ? " yet: the coordinator has not assigned ranks"
                            : ": the coordinator reports ranks " + report.ranks().keySet() + " (generation "
                            + report.generation() + ")"))), "worker");
        } else {
            logs = new JobLogs(status.pods().stream().filter(p -> "coordinator".equals(p.component()))
                    .map(PodState::name).reduce((a, b) -> b).orElseThrow(() -> new KubeException("job " + name
                            + " has no coordinator pod yet (phase " + status.phase().word() + ")")), "coordinator");
        }
        status.pods().stream().filter(p -> p.name().equals(logs.pod) && !p.scheduled()).findFirst().ifPresent(p -> {
            // The API server answers an empty log for a pod no node has taken: say why instead.
            throw new KubeException("pod " + logs.pod + " of job " + name + " is not scheduled yet (" + p.phase()
                    + "): it has no log; spindle status " + name + " shows the pods");
        });
        return logs;
    }

    /** Copies the container's log to {@code out}; with {@code follow}, until the container ends. */
    static void copy(ContainerResource container, boolean follow, OutputStream out) {
        if (follow) {
            try (LogWatch watch = container.watchLog(out)) {
                Throwable end = watch.onClose().toCompletableFuture().join();
                if (end != null) {
                    throw new KubeException("the log ended with an error: " + end.getMessage(), end);
                }
            }
            return;
        }
        try {
            out.write(container.getLog().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

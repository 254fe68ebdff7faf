package dev.spindle.launcher.kube;

import dev.spindle.launcher.kube.render.JobNames;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A submitted job as the cluster has it now: its phase, its pods, and the coordinator's last report.
 *
 * <pre>{@code
 * JobStatus s = jobs.status("gpt-tiny");
 * if (s.phase() == JobPhase.FAILED) System.err.println(s.message());
 * }</pre>
 *
 * @param desiredWorkers worker pods the job asks for ({@code spec.parallelism.data})
 * @param pods the job's pods, coordinator first, then by name
 * @param message why the job is in this phase when it is not obvious (a failed Job's condition), or empty
 */
public record JobStatus(String name, String namespace, JobPhase phase, String message, int desiredWorkers,
                        List<PodState> pods, StatusReport report) {

    /** The Kubernetes Job condition types that end a Job. */
    private static final String COMPLETE = "Complete";
    private static final String FAILED = "Failed";

    public JobStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(phase, "phase");
        message = message == null ? "" : message;
        pods = List.copyOf(pods);
        Objects.requireNonNull(report, "report");
    }

    /**
     * The status of a job from its objects: the root ConfigMap being deleted means {@link JobPhase#DELETING};
     * an ended Kubernetes Job or a terminal report from the coordinator ends it; otherwise the coordinator's
     * report says Forming or Running, and before it has reported the job is {@link JobPhase#PENDING}.
     *
     * @param coordinator the coordinator's Kubernetes Job, or {@code null} if it is not there (yet)
     * @param worker the workers' Kubernetes Job, or {@code null}
     */
    static JobStatus of(String name, String namespace, boolean deleting, Job coordinator, Job worker,
            List<Pod> pods, StatusReport report) {
        List<PodState> states = pods.stream().map(JobStatus::state)
                .sorted(Comparator.comparing((PodState p) -> p.worker()).thenComparing(PodState::name)).toList();
        int desired = worker != null && worker.getSpec() != null && worker.getSpec().getParallelism() != null
                ? worker.getSpec().getParallelism() : report.desiredWorkers();
        Optional<JobCondition> coordinatorEnd = ended(coordinator);
        Optional<JobCondition> workerFailed = ended(worker).filter(c -> FAILED.equals(c.getType()));
        JobPhase phase;
        String message = "";
        if (deleting) {
            phase = JobPhase.DELETING;
        } else if (coordinatorEnd.isPresent()) {
            phase = COMPLETE.equals(coordinatorEnd.get().getType()) ? JobPhase.SUCCEEDED : JobPhase.FAILED;
            message = phase == JobPhase.FAILED ? describe(coordinator, coordinatorEnd.get()) : report.message();
        } else if (workerFailed.isPresent()) {
            phase = JobPhase.FAILED;
            message = describe(worker, workerFailed.get());
        } else {
            phase = switch (report.phase()) {
                case "Succeeded" -> JobPhase.SUCCEEDED;
                case "Failed" -> JobPhase.FAILED;
                case "Running" -> JobPhase.RUNNING;
                case "Forming" -> JobPhase.FORMING;
                default -> JobPhase.PENDING;
            };
            message = report.message();
        }
        return new JobStatus(name, namespace, phase, message, desired, states, report);
    }

    /** Reads the status of the job whose root ConfigMap is {@code root}: 3 requests (status, Jobs, pods). */
    static JobStatus read(KubernetesClient client, String ns, String name, ConfigMap root) {
        ConfigMap status = client.configMaps().inNamespace(ns).withName(JobNames.status(name)).get();
        StatusReport report = status == null || status.getData() == null ? StatusReport.EMPTY
                : StatusReport.parse(status.getData().get(StatusReport.KEY));
        Map<String, Job> jobs = new HashMap<>();
        client.batch().v1().jobs().inNamespace(ns).withLabel(JobNames.LABEL_JOB, name).list().getItems()
                .forEach(j -> jobs.put(j.getMetadata().getName(), j));
        List<Pod> pods = client.pods().inNamespace(ns).withLabel(JobNames.LABEL_JOB, name).list().getItems();
        return of(name, ns, root.getMetadata().getDeletionTimestamp() != null, jobs.get(JobNames.coordinator(name)),
                jobs.get(JobNames.worker(name)), pods, report);
    }

    /** The worker pods that failed, oldest generation's too: a failed worker stays reported. */
    public List<PodState> failedWorkers() {
        return pods.stream().filter(p -> p.worker() && p.failed()).toList();
    }

    /** Worker pods running now. */
    public long runningWorkers() {
        return pods.stream().filter(p -> p.worker() && p.running()).count();
    }

    /** One line for {@code spindle list}: name, phase, workers, step and loss. */
    public String summary() {
        StringBuilder line = new StringBuilder(String.format("%-24s %-10s workers %d/%d", name, phase.word(),
                runningWorkers(), desiredWorkers));
        if (report.step() > 0) {
            line.append(String.format("  step %d/%d", report.step(), report.totalSteps()));
            if (!Double.isNaN(report.loss())) {
                line.append(String.format("  loss %.4f", report.loss()));
            }
        }
        if (!failedWorkers().isEmpty()) {
            line.append("  ").append(failedWorkers().size()).append(" worker pod(s) failed");
        }
        return line.toString();
    }

    /** The lines of {@code spindle status}: phase and reason, progress, each pod. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        lines.add("job " + name + " in namespace " + namespace + ": " + phase.word()
                + (message.isEmpty() ? "" : " (" + message + ")"));
        if (report.reported()) {
            lines.add(String.format("coordinator: %s, generation %d, %d/%d workers in the gang", report.phase(),
                    report.generation(), report.worldSize(), desiredWorkers));
            if (report.step() > 0 || report.totalSteps() > 0) {
                lines.add(String.format("step %d/%d%s%s", report.step(), report.totalSteps(),
                        Double.isNaN(report.loss()) ? "" : String.format(", loss %.4f", report.loss()),
                        report.checkpointStep() >= 0 ? ", last committed checkpoint at step " + report.checkpointStep()
                                : ""));
            }
        } else {
            lines.add("coordinator: no report yet");
        }
        for (PodState p : pods) {
            lines.add(String.format("  %-11s %-40s %-9s %s%s", p.component(), p.name(), p.phase(),
                    p.scheduled() ? "on " + p.node() : "not scheduled", p.reason().isEmpty() ? "" : " (" + p.reason() + ")"));
        }
        for (PodState p : failedWorkers()) {
            lines.add("worker pod " + p.name() + " failed" + (p.reason().isEmpty() ? "" : ": " + p.reason()));
        }
        return lines;
    }

    static PodState state(Pod pod) {
        String component = pod.getMetadata().getLabels() == null ? ""
                : pod.getMetadata().getLabels().getOrDefault(JobNames.LABEL_COMPONENT, "");
        String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return new PodState(pod.getMetadata().getName(), component, node, phase, reason(pod));
    }

    /** A terminated container's reason and exit code, else the pod's own reason and message. */
    private static String reason(Pod pod) {
        if (pod.getStatus() == null) {
            return "";
        }
        if (pod.getStatus().getContainerStatuses() != null) {
            for (ContainerStatus c : pod.getStatus().getContainerStatuses()) {
                ContainerStateTerminated t = c.getState() == null ? null : c.getState().getTerminated();
                if (t != null && (t.getExitCode() == null || t.getExitCode() != 0)) {
                    return join(t.getReason(), t.getExitCode() == null ? null : "exit code " + t.getExitCode(), t.getMessage());
                }
            }
        }
        return join(pod.getStatus().getReason(), pod.getStatus().getMessage());
    }

    private static Optional<JobCondition> ended(Job job) {
        if (job == null || job.getStatus() == null || job.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return job.getStatus().getConditions().stream()
                .filter(c -> "True".equals(c.getStatus()))
                .filter(c -> COMPLETE.equals(c.getType()) || FAILED.equals(c.getType()))
                .findFirst();
    }

    private static String describe(Job job, JobCondition condition) {
        return "Kubernetes Job " + job.getMetadata().getName() + " failed: " + join(condition.getReason(), condition.getMessage());
    }

    private static String join(String... parts) {
        StringBuilder text = new StringBuilder();
        for (String part : parts) {
            if (part != null && !part.isBlank()) {
                text.append(text.length() == 0 ? "" : ", ").append(part);
            }
        }
        return text.toString();
    }
}

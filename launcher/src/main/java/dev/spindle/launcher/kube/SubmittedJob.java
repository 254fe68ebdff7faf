package dev.spindle.launcher.kube;

import dev.spindle.launcher.kube.render.JobNames;
import dev.spindle.spec.JobSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A job on the cluster: its status, its events while it runs, and cancel. From
 * {@link dev.spindle.launcher.Spindle#submit} it owns its connection (close it); from {@link KubeJobs} it
 * shares that connection.
 *
 * <pre>{@code
 * try (SubmittedJob job = Spindle.submit(spec, KubeTarget.DEFAULT)) {
 *     JobStatus end = job.await(Duration.ofHours(4), event -> log.info(event.line()));
 *     if (end.phase() != JobPhase.SUCCEEDED) job.cancel();
 * }
 * }</pre>
 */
public final class SubmittedJob implements AutoCloseable {

    /** Looks again this often even without a watch event (a watch may miss one when it reconnects). */
    static final Duration RECHECK = Duration.ofSeconds(5);

    private final KubeJobs jobs;
    private final String name;
    private final String namespace;
    private final List<String> warnings;
    private final boolean ownsConnection;

    SubmittedJob(KubeJobs jobs, String name, String namespace, List<String> warnings, boolean ownsConnection) {
        this.jobs = jobs;
        this.name = name;
        this.namespace = namespace;
        this.warnings = List.copyOf(warnings);
        this.ownsConnection = ownsConnection;
    }

    /**
     * Submits {@code job} on a connection of its own, which the returned handle owns and closes (what
     * {@link dev.spindle.launcher.Spindle#submit} does).
     */
    public static SubmittedJob submit(JobSpec job, KubeTarget cluster) {
        KubeJobs jobs = KubeJobs.connect(cluster);
        try {
            SubmittedJob submitted = jobs.submit(job, SubmitOptions.DEFAULT);
            return new SubmittedJob(jobs, submitted.name, submitted.namespace, submitted.warnings, true);
        } catch (RuntimeException e) {
            jobs.close();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    public String namespace() {
        return namespace;
    }

    /** What the submit checks found worth saying but not worth refusing (e.g. no node with the GPUs asked for). */
    public List<String> warnings() {
        return warnings;
    }

    /** The job as the cluster has it now. */
    public JobStatus status() {
        return jobs.status(namespace, name);
    }

    /**
     * Follows the job until it ends (Succeeded, Failed, or deleted) or {@code timeout} passes, giving
     * {@code events} what happened: pods scheduled and started, the gang formed, steps, checkpoints, the end.
     * Watches on the job's pods, Kubernetes Jobs and status ConfigMap say when to look again. Returning
     * (or interrupting the thread) leaves the job running.
     *
     * @return the last status seen; its phase is still active when the time ran out
     */
    public JobStatus await(Duration timeout, Consumer<JobEvent> events) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Semaphore changed = new Semaphore(0);
        List<Watch> watches = new ArrayList<>();
        try {
            KubernetesClient client = jobs.client();
            jobs.call("watching job " + name, () -> {
                watches.add(client.pods().inNamespace(namespace).withLabel(KubeJobs.JOB_LABEL, name).watch(signal(changed)));
                watches.add(client.batch().v1().jobs().inNamespace(namespace).withLabel(KubeJobs.JOB_LABEL, name)
                        .watch(signal(changed)));
                watches.add(client.configMaps().inNamespace(namespace).withName(JobNames.status(name)).watch(signal(changed)));
                return null;
            });
            JobStatus last = null;
            while (true) {
                JobStatus now;
                try {
                    now = status();
                } catch (KubeException gone) {
                    if (last == null || jobs.call("looking for job " + name, () -> client.configMaps()
                            .inNamespace(namespace).withName(JobNames.root(name)).get()) != null) {
                        throw gone;
                    }
                    events.accept(new JobEvent.PhaseChanged(JobPhase.DELETING, "the job's objects were deleted"));
                    return new JobStatus(name, namespace, JobPhase.DELETING, "deleted", last.desiredWorkers(),
                            List.of(), last.report());
                }
                JobEvent.between(last, now).forEach(events);
                last = now;
                long left = deadline - System.nanoTime();
                if (!now.phase().active() || left <= 0) {
                    return now;
                }
                changed.tryAcquire(Math.min(left, RECHECK.toNanos()), TimeUnit.NANOSECONDS);
                changed.drainPermits();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return status();
        } finally {
            watches.forEach(Watch::close);
        }
    }

    /** Deletes the job's objects (checkpoints in storage stay); see {@link KubeJobs#cancel}. */
    public void cancel() {
        jobs.cancel(namespace, name);
    }

    @Override
    public void close() {
        if (ownsConnection) {
            jobs.close();
        }
    }

    private static <T> Watcher<T> signal(Semaphore changed) {
        return new Watcher<>() {
            @Override
            public void eventReceived(Action action, T resource) {
                changed.release();
            }

            @Override
            public void onClose(WatcherException cause) {
                changed.release();  // look now; the periodic re-check carries on without the watch
            }
        };
    }
}

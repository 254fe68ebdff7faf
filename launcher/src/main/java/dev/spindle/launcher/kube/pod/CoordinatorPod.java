package dev.spindle.launcher.kube.pod;

import dev.spindle.cluster.control.CoordinatorNode;
import dev.spindle.cluster.control.JobOutcome;
import dev.spindle.cluster.security.JobSecret;
import dev.spindle.cluster.security.TlsMaterial;
import dev.spindle.launcher.CoordinatedRun;
import dev.spindle.launcher.JobException;
import dev.spindle.launcher.MetricsFeed;
import dev.spindle.launcher.RunFailedException;
import dev.spindle.launcher.RunSummary;
import dev.spindle.launcher.Spindle;
import dev.spindle.launcher.TrainOptions;
import dev.spindle.launcher.kube.StatusReport;
import dev.spindle.spec.JobSpec;
import dev.spindle.train.TrainListener;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The program of a job's coordinator pod ({@code spindle coordinate}): hosts the job's coordinator as
 * {@code spindle train --workers N} does on one machine, but starts no workers (the worker Job's pods join by
 * themselves, and Kubernetes replaces a failed one up to {@code spec.elastic.maxRestarts}); it reads the job's
 * secret and TLS store from the mounted Secret and keeps the job's status ConfigMap up to date.
 *
 * <pre>{@code
 * var options = new CoordinateOptions(Path.of("/etc/spindle/job/job.yaml"), Path.of("/etc/spindle/cluster"),
 *         Path.of("/scratch/run"), null, podIp, 25520, Optional.of(new StatusTarget("ml", "mnist-status")), false);
 * RunSummary summary = CoordinatorPod.run(options, job -> List.of(progress), err);  // RunFailedException if it failed
 * }</pre>
 */
public final class CoordinatorPod {

    /** The secret's file in the cluster directory (key {@code job.secret} of the job's Secret). */
    public static final String SECRET_FILE = "job.secret";

    private static final Duration POLL = Duration.ofMillis(200);

    private CoordinatorPod() {}

    /**
     * Runs the job's coordinator until the job ends; the status ConfigMap (when given) follows it, and says
     * Failed with the reason when the job cannot start. {@code listeners} make the observers of the run (the
     * pod's log) for the job read from {@code options.jobFile()}.
     *
     * @throws JobException when the job, the secret or the TLS store cannot be used (nothing was started)
     * @throws RunFailedException when the job failed, naming the checkpoint to resume from
     */
    public static RunSummary run(CoordinateOptions options, Function<JobSpec, List<TrainListener>> listeners, PrintWriter err)
            throws IOException {
        if (options.statusConfigMap().isEmpty()) {
            return run(options, listeners, Optional.empty(), err);
        }
        CoordinateOptions.StatusTarget target = options.statusConfigMap().get();
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            return run(options, listeners, Optional.of(StatusPublisher.toConfigMap(client, target.namespace(),
                    target.name(), err)), err);
        }
    }

    static RunSummary run(CoordinateOptions options, Function<JobSpec, List<TrainListener>> listeners, Optional<StatusPublisher> status,
            PrintWriter err) throws IOException {
        JobSpec job = null;
        StatusTracker tracker = null;
        try {
            job = Spindle.load(options.jobFile(), List.of());
            tracker = new StatusTracker(job.spec().parallelism().data(), 0, job.spec().training().steps());
            return coordinate(job, options, listeners, tracker, status);
        } catch (RuntimeException | IOException e) {
            // The status says why the pod ended, so 'spindle status' shows it without the pod's log.
            if (status.isPresent()) {
                StatusTracker failed = tracker != null ? tracker : new StatusTracker(0, 0, 0);
                if (!StatusReport.Phase.Succeeded.name().equals(failed.snapshot(Instant.EPOCH).phase())) {
                    failed.end(false, oneLine(e));
                    status.get().offer(failed.snapshot(Instant.now()), true);
                }
            }
            throw e;
        }
    }

    private static RunSummary coordinate(JobSpec job, CoordinateOptions options, Function<JobSpec, List<TrainListener>> listeners,
            StatusTracker tracker, Optional<StatusPublisher> status) throws IOException {
        if (job.spec().checkpoint().uri() == null) {
            throw new JobException("spec.checkpoint.uri: missing; on Kubernetes the coordinator and every worker pod"
                    + " must reach the same checkpoints: set it to an abfss:// URI (or a volume every pod mounts)");
        }
        JobSecret secret = secret(options.clusterDir());
        TlsMaterial.open(secret, options.clusterDir());
        List<TrainListener> all = new ArrayList<>(listeners.apply(job));
        all.add(tracker);
        TrainOptions train = TrainOptions.in(options.runDir()).withBaseDirectory(options.baseDirectory())
                .withResume(options.resume()).withListeners(all);
        CoordinatedRun run = CoordinatedRun.prepare(job, train);
        try (CoordinatorNode coordinator = CoordinatorNode.start(run.settings(options.host(), options.port(), secret,
                options.clusterDir(), run.workers()))) {
            MetricsFeed feed = run.follow(tracker);
            status.ifPresent(p -> p.offer(tracker.snapshot(Instant.now()), true));
            JobOutcome outcome = await(coordinator, feed, tracker, status);
            feed.poll();
            tracker.end(outcome.succeeded(), outcome.succeeded() ? outcome.message()
                    : outcome.message() + "; " + run.resumeHint());
            status.ifPresent(p -> p.offer(tracker.snapshot(Instant.now()), true));
            return run.finish(outcome, feed);
        }
    }

    private static JobOutcome await(CoordinatorNode coordinator, MetricsFeed feed, StatusTracker tracker,
            Optional<StatusPublisher> status) throws IOException {
        while (true) {
            try {
                return coordinator.outcome().get(POLL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                feed.poll();
                boolean milestone = tracker.takeMilestone();
                status.ifPresent(p -> p.offer(tracker.snapshot(Instant.now()), milestone));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunFailedException("interrupted while waiting for the workers", e);
            } catch (ExecutionException e) {
                throw new RunFailedException("the coordinator failed: " + e.getCause(), e.getCause());
            }
        }
    }

    /** The job secret from the mounted Secret, with one line saying what to mount when it is not there. */
    static JobSecret secret(Path clusterDir) throws IOException {
        Path file = clusterDir.resolve(SECRET_FILE);
        if (!Files.isRegularFile(file)) {
            throw new JobException("--cluster-dir " + clusterDir + ": no " + SECRET_FILE + " there; mount the job's"
                    + " Secret (J-cluster, keys " + SECRET_FILE + " and " + TlsMaterial.STORE_FILE + ") at this folder");
        }
        return JobSecret.read(file);
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        return m.replace('\n', ' ');
    }
}

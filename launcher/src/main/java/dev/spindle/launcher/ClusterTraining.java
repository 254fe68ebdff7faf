package dev.spindle.launcher;

import dev.spindle.cluster.control.CoordinatorNode;
import dev.spindle.cluster.control.CoordinatorSettings;
import dev.spindle.cluster.control.JobOutcome;
import dev.spindle.cluster.security.JobSecret;
import dev.spindle.cluster.security.TlsMaterial;
import dev.spindle.cluster.worker.WorkerMain;
import dev.spindle.launcher.local.JavaProcess;
import dev.spindle.launcher.local.WorkerProcesses;
import dev.spindle.spec.ElasticSpec;
import dev.spindle.spec.JobSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A job trained by several worker processes on this machine: this process hosts the coordinator, spawns
 * the workers on 127.0.0.1 with a share of the cores each, shows their output with a rank prefix, replaces
 * workers that die (up to {@code spec.elastic.maxRestarts}), and stops them all when the job ends, fails or
 * is interrupted. The workers find the coordinator and prove they belong to the job with the per-run secret
 * and TLS material written into the run directory.
 */
final class ClusterTraining {

    /** The file in the run directory that names the coordinator, for workers started by hand to join. */
    static final String CLUSTER_FILE = "cluster.json";
    static final String SECRET_FILE = "job.secret";
    static final String TLS_DIR = "tls";
    static final String EVENTS_FILE = "events.jsonl";

    private static final Duration POLL = Duration.ofMillis(200);
    /** How long the job waits for a worker once none is left and no restart is allowed. */
    private static final Duration ORPHAN_GRACE = Duration.ofSeconds(5);

    private ClusterTraining() {}

    static RunSummary run(JobSpec job, TrainOptions options, int workers) throws IOException {
        CoordinatedRun run = CoordinatedRun.prepare(job, options);
        Path runDir = run.runDirectory();
        ElasticSpec elastic = job.spec().elastic();
        int minWorkers = elastic.minWorkers();
        JobSecret secret = JobSecret.generate();
        Path secretFile = runDir.resolve(SECRET_FILE);
        secret.write(secretFile);
        Path tlsDir = runDir.resolve(TLS_DIR);
        TlsMaterial.create(secret, tlsDir);
        CoordinatorSettings settings = run.settings("127.0.0.1", 0, secret, tlsDir, workers);
        try (CoordinatorNode coordinator = CoordinatorNode.start(settings)) {
            Files.writeString(runDir.resolve(CLUSTER_FILE), "{\"coordinator\": \"" + coordinator.seedAddress()
                    + "\", \"secretFile\": \"" + SECRET_FILE + "\", \"tlsDir\": \"" + TLS_DIR + "\"}\n",
                    StandardCharsets.UTF_8);
            int cores = Runtime.getRuntime().availableProcessors();
            int threads = job.spec().training().threads() > 0 ? job.spec().training().threads()
                    : WorkerProcesses.threadsPerWorker(cores, workers);
            AtomicBoolean finished = new AtomicBoolean();
            WorkerProcesses[] holder = new WorkerProcesses[1];
            try (WorkerProcesses processes = WorkerProcesses.builder(runDir, id -> workerProcess(id,
                            coordinator.seedAddress(), runDir, options.baseDirectory(), threads))
                    .maxRestarts(elastic.maxRestarts())
                    .shutdownHook(false) // the CLI's stop request drives a graceful stop; close() ends the rest
                    .onExit(exit -> {
                        if (exit.requested() || finished.get()) {
                            return;
                        }
                        boolean replaced = false;
                        if (exit.exitCode() != 0) {
                            try {
                                replaced = holder[0].replace(exit.workerId()).isPresent();
                            } catch (IOException | RuntimeException e) {
                                System.err.println("spindle: could not start a replacement for " + exit.workerId()
                                        + ": " + e.getMessage());
                            }
                        }
                        coordinator.workerProcessExited(exit.workerId(), exit.exitCode(), replaced);
                        int left = holder[0].running().size();
                        if (!replaced && left < minWorkers) {
                            coordinator.abort("worker " + exit.workerId() + " exited with code " + exit.exitCode()
                                    + " and no restart is left (spec.elastic.maxRestarts " + elastic.maxRestarts()
                                    + "); " + left + " workers remain, fewer than spec.elastic.minWorkers "
                                    + minWorkers);
                        }
                    })
                    .build()) {
                holder[0] = processes;
                processes.start(workers);
                // Output lines carry the worker's id until it has a rank, then "rank r" (it changes by generation).
                MetricsFeed feed = run.follow(event -> {
                    if ("assignment".equals(event.path("event").asText())
                            && processes.pid(event.path("workerId").asText()).isPresent()) {
                        processes.relabel(event.path("workerId").asText(), "rank " + event.path("rank").asInt());
                    }
                });
                JobOutcome outcome = await(coordinator, processes, options, feed);
                finished.set(true);
                return run.finish(outcome, feed);
            }
        }
    }

    /** Waits for the job's end, asking for a graceful stop when the launcher is interrupted. */
    private static JobOutcome await(CoordinatorNode coordinator, WorkerProcesses processes, TrainOptions options,
            MetricsFeed feed) throws IOException {
        boolean stopSent = false;
        long orphanedSince = -1;
        while (true) {
            try {
                return coordinator.outcome().get(POLL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                feed.poll();
                if (!stopSent && options.stopRequested().getAsBoolean()) {
                    coordinator.requestStop();
                    stopSent = true;
                }
                if (processes.running().isEmpty()) {
                    orphanedSince = orphanedSince < 0 ? System.nanoTime() : orphanedSince;
                    if (System.nanoTime() - orphanedSince > ORPHAN_GRACE.toNanos()) {
                        return new JobOutcome(false, -1, "every worker process exited and no restart is left ("
                                + processes.restarts() + " used; spec.elastic.maxRestarts)", coordinator.generations());
                    }
                } else {
                    orphanedSince = -1;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunFailedException("interrupted while waiting for the workers", e);
            } catch (ExecutionException e) {
                throw new RunFailedException("the coordinator failed: " + e.getCause(), e.getCause());
            }
        }
    }

    private static JavaProcess workerProcess(String workerId, String coordinator, Path runDir, Path baseDir,
            int threads) {
        // Its own session: Ctrl-C on the terminal reaches the launcher only, which stops every rank at one
        // common step with a checkpoint instead of losing the workers to the signal.
        return JavaProcess.builder(WorkerMain.class.getName())
                .ownSession(true)
                .threads(threads)
                .args("--worker-id", workerId, "--coordinator", coordinator,
                        "--job", runDir.resolve("job.yaml").toString(), "--base-dir", baseDir.toString(),
                        "--run-dir", runDir.toString(), "--secret-file", runDir.resolve(SECRET_FILE).toString(),
                        "--tls-dir", runDir.resolve(TLS_DIR).toString(), "--threads", Integer.toString(threads),
                        "--parent-pid", Long.toString(ProcessHandle.current().pid()))
                .build();
    }
}

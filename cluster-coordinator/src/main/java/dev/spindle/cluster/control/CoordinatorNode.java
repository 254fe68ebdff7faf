package dev.spindle.cluster.control;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.cluster.security.TlsMaterial;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * The coordinator's Pekko node (role {@code coordinator}): starts the job cluster as its own seed and runs
 * the {@link JobCoordinator} cluster singleton. The launcher hosts it and hands {@link #seedAddress()} to the
 * workers it spawns.
 *
 * <pre>{@code
 * try (CoordinatorNode coordinator = CoordinatorNode.start(settings)) {
 *     spawnWorkers("--coordinator", coordinator.seedAddress());
 *     JobOutcome outcome = coordinator.outcome().get();
 * }
 * }</pre>
 */
public final class CoordinatorNode implements AutoCloseable {


    private final ActorSystem<Void> system;
    private final ActorRef<JobCoordinator.Command> coordinator;
    private final CompletableFuture<JobOutcome> outcome;
    /** {@link #outcome} once the run log has written what was logged before it: made once, callers poll it. */
    private final CompletableFuture<JobOutcome> logged;
    private final AtomicLong generations;
    private final RunLog log;
    private final String seedAddress;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private CoordinatorNode(ActorSystem<Void> system, ActorRef<JobCoordinator.Command> coordinator,
            CompletableFuture<JobOutcome> outcome, AtomicLong generations, RunLog log) {
        this.system = system;
        this.coordinator = coordinator;
        this.outcome = outcome;
        this.logged = outcome.thenCompose(o -> log.written().thenApply(ignored -> o));
        this.generations = generations;
        this.log = log;
        Address self = Cluster.get(system).selfMember().address();
        this.seedAddress = self.getHost().get() + ":" + self.getPort().get();
    }

    /**
     * Starts the node and the coordinator; makes the job's TLS store in {@code tlsDir} if it is not there yet.
     * A run directory with committed checkpoints resumes from the newest.
     */
    public static CoordinatorNode start(CoordinatorSettings settings) {
        return start(settings, ConfigFactory.empty());
    }

    /** As {@link #start(CoordinatorSettings)}, with Pekko settings that take precedence (tests: failure-detector timings). */
    public static CoordinatorNode start(CoordinatorSettings settings, Config pekkoOverrides) {
        TlsMaterial tls;
        Optional<CheckpointInfo> latest;
        try {
            tls = Files.isRegularFile(settings.tlsDir().resolve(TlsMaterial.STORE_FILE))
                    ? TlsMaterial.open(settings.secret(), settings.tlsDir())
                    : TlsMaterial.create(settings.secret(), settings.tlsDir());
            latest = settings.checkpoints().latest();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the coordinator: " + e.getMessage(), e);
        }
        Config config = ClusterConfig.node(ClusterConfig.COORDINATOR_ROLE, settings.host(), settings.port(), List.of(),
                tls, pekkoOverrides);
        RunLog log = new RunLog(settings.runDir());
        CompletableFuture<JobOutcome> outcome = new CompletableFuture<>();
        // Generations number on across coordinator restarts of one run, so "newer" keeps its meaning in the
        // run's events and in anything keyed by generation (sample traces, logs).
        AtomicLong generations = new AtomicLong(log.lastGeneration());
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), ClusterConfig.SYSTEM_NAME, config);
        Cluster cluster = Cluster.get(system);
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
        ActorRef<JobCoordinator.Command> proxy = ClusterSingleton.get(system).init(
                SingletonActor.of(Behaviors.supervise(JobCoordinator.create(settings, log, generations, outcome, latest))
                                .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2)),
                        "job-coordinator")
                        .withSettings(ClusterSingletonSettings.create(system).withRole(ClusterConfig.COORDINATOR_ROLE)));
        log.event("coordinator-started", "job", settings.jobName(), "address",
                cluster.selfMember().address().toString(), "desiredWorkers", settings.desiredWorkers(),
                "restoreStep", latest.map(CheckpointInfo::step).orElse(-1L));
        return new CoordinatorNode(system, proxy, outcome, generations, log);
    }

    /** The {@code host:port} of this node's Artery endpoint, for the workers' {@code --coordinator}. */
    public String seedAddress() {
        return seedAddress;
    }

    /**
     * Completes when training finished (every rank, final checkpoint committed) or failed for good, once
     * every event and metric logged until then is in the run directory: readers of events.jsonl (the
     * launcher's feed, the coordinator pod's status) see the final commit and the end when it completes.
     */
    public CompletableFuture<JobOutcome> outcome() {
        return logged;
    }

    /** The {@code host:port} of every member of the cluster as this node sees it (tests, diagnostics). */
    java.util.Set<String> members() {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (org.apache.pekko.cluster.Member m : Cluster.get(system).state().getMembers()) {
            out.add(m.address().getHost().orElse("?") + ":" + m.address().getPort().orElse(-1));
        }
        return out;
    }

    /** How many generations have started so far. */
    public long generations() {
        return generations.get();
    }

    /** Graceful stop: every rank stops at one common step, checkpoints it, the coordinator commits it. */
    public void requestStop() {
        coordinator.tell(JobCoordinator.RequestStop.INSTANCE);
    }

    /** The launcher saw worker {@code workerId}'s process exit: down that member now, no failure detector wait. */
    public void workerProcessExited(String workerId, int exitCode) {
        workerProcessExited(workerId, exitCode, true);
    }

    /**
     * Like {@link #workerProcessExited(String, int)}; {@code replaced} false says no replacement will come
     * (restarts used up or not allowed), so the next generation forms with the workers left, down to
     * {@code minWorkers}, without waiting for the rendezvous timeout.
     */
    public void workerProcessExited(String workerId, int exitCode, boolean replaced) {
        coordinator.tell(new JobCoordinator.ProcessExited(workerId, exitCode, replaced));
    }

    /**
     * Gives the job up: ends the current generation, tells every worker the job failed (their
     * {@code awaitAssignment} throws {@link JobEndedException} with reason FAILED) and completes the outcome
     * as failed with {@code message}, naming the newest committed checkpoint's step. For the launcher when it
     * cannot bring the job back to {@code minWorkers} (restarts exhausted).
     */
    public void abort(String message) {
        coordinator.tell(new JobCoordinator.Abort(message == null ? "aborted" : message));
    }

    /** Stops the node (the outcome, if still open, fails); safe to call twice. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (!outcome.isDone()) {
            outcome.complete(new JobOutcome(false, -1, "the coordinator was closed before the job ended", generations.get()));
        } else {
            // Give workers a moment to read their Shutdown before the coordinator's node goes away.
            sleep(JobCoordinator.SHUTDOWN_GRACE);
        }
        ClusterConfig.terminate(system, "the coordinator node");
        log.close();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

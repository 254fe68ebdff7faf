package dev.spindle.cluster.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.ShardReceipt;
import dev.spindle.cluster.security.TlsMaterial;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's end of the control plane: a Pekko node with role {@code worker} that joins the job cluster,
 * registers (worker id, data-plane address) with the coordinator through the Receptionist, and gives the
 * training loop a blocking API. Thread-safe.
 *
 * <pre>{@code
 * try (WorkerNode node = WorkerNode.join(settings)) {
 *     while (true) {
 *         Assignment a = node.awaitAssignment(Duration.ofMinutes(10));   // throws JobEndedException at the end
 *         try (TcpCollectives c = listener.connect(a.generation(), a.rank(), peers(a), timeout)) {
 *             node.onGenerationEnded(g -> { if (g == a.generation()) c.abort("generation " + g + " ended"); });
 *             // restore a.restoreStep(), train to min(totalSteps, node.stopStep()), reportProgress each step,
 *             // reportShard at each checkpoint step and at the last step, then reportFinished
 *         } catch (CollectiveException e) {
 *             node.reportFailure(a.generation(), a.rank(), e.getMessage());
 *         }
 *     }
 * }
 * }</pre>
 */
public final class WorkerNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerNode.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WorkerSettings settings;
    private final ActorSystem<Protocol.ToWorker> system;
    private final Inbox inbox;

    private WorkerNode(WorkerSettings settings, ActorSystem<Protocol.ToWorker> system, Inbox inbox) {
        this.settings = settings;
        this.system = system;
        this.inbox = inbox;
    }

    /** Starts the node, joins the coordinator's cluster and registers; returns without waiting for either. */
    public static WorkerNode join(WorkerSettings settings) {
        return join(settings, ConfigFactory.empty());
    }

    /** As {@link #join(WorkerSettings)}, with Pekko settings that take precedence (tests: failure-detector timings). */
    public static WorkerNode join(WorkerSettings settings, Config pekkoOverrides) {
        TlsMaterial tls;
        try {
            tls = TlsMaterial.open(settings.secret(), settings.tlsDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the job TLS store in " + settings.tlsDir() + ": " + e.getMessage(), e);
        }
        Config config = ClusterConfig.node(ClusterConfig.WORKER_ROLE, settings.host(), settings.port(),
                List.of(ClusterConfig.seedUri(settings.coordinatorAddress())), tls, pekkoOverrides);
        Inbox inbox = new Inbox();
        ActorSystem<Protocol.ToWorker> system = ActorSystem.create(
                WorkerAgent.create(settings.workerId(), settings.dataPlaneAddress(), inbox), ClusterConfig.SYSTEM_NAME, config);
        org.apache.pekko.cluster.Cluster.get(system).registerOnMemberRemoved(
                () -> inbox.ended(JobEndedException.Reason.DOWNED, "worker " + settings.workerId() + " was removed from the job cluster"));
        system.getWhenTerminated().thenRun(
                () -> inbox.ended(JobEndedException.Reason.DOWNED, "worker " + settings.workerId() + "'s node has shut down"));
        return new WorkerNode(settings, system, inbox);
    }

    /** This node's Artery address ({@code host:port}). */
    public String address() {
        var address = org.apache.pekko.cluster.Cluster.get(system).selfAddress();
        return address.getHost().orElse(settings.host()) + ":" + address.getPort().orElse(settings.port());
    }

    /**
     * The next assignment of a generation newer than the last one returned (and not already ended).
     *
     * @throws JobEndedException when the job finished or failed, this worker was downed, or {@code timeout} passed
     */
    public Assignment awaitAssignment(Duration timeout) throws InterruptedException {
        return inbox.await(timeout);
    }

    /**
     * {@code listener} is called (on any thread) with the generation the coordinator ended, and with the
     * current one when the job ends for this worker (finished, failed, downed): abort its collectives.
     */
    public void onGenerationEnded(LongConsumer listener) {
        inbox.listeners.add(listener);
    }

    /** The step to stop after; {@code Long.MAX_VALUE} unless the coordinator asked the job to stop. */
    public long stopStep() {
        return inbox.stopStep;
    }

    public void reportProgress(Progress p) {
        tell(new Protocol.Report(p));
    }

    /** Reports what this rank holds in memory for training (once per generation, after its first step). */
    public void reportMemory(RankMemory memory) {
        tell(new Protocol.Memory(memory));
    }

    /**
     * Reports this rank's shard of the checkpoint of {@code step}; {@code receipt} is any Jackson-serializable
     * object (the checkpoint store's shard receipt) and reaches the coordinator's {@link CheckpointCommitter} as JSON.
     */
    public void reportShard(long generation, int rank, long step, Object receipt) {
        JsonNode json = receipt instanceof JsonNode node ? node : JSON.valueToTree(receipt);
        tell(new Protocol.Shard(generation, rank, step, json));
    }

    /** Reports this rank's shard receipt ({@link CheckpointStore#writeShard}) of generation {@code generation}. */
    public void reportShard(long generation, ShardReceipt receipt) {
        reportShard(generation, receipt.rank(), receipt.step(), receipt);
    }

    /** Reports that this rank cannot continue the generation (e.g. a collective failed naming a peer). */
    public void reportFailure(long generation, int rank, String message) {
        tell(new Protocol.Failure(generation, rank, message == null ? "unknown failure" : message));
    }

    /** Reports that this rank completed its last step ({@code step}) and reported that step's shard. */
    public void reportFinished(long generation, int rank, long step) {
        tell(new Protocol.Finished(generation, rank, step));
    }

    /** True once this worker learned it was removed from the cluster (or its node shut down). */
    public boolean downed() {
        return inbox.ended == JobEndedException.Reason.DOWNED;
    }

    private void tell(Protocol.ToCoordinator msg) {
        ActorRef<JobCoordinator.Command> coordinator = inbox.coordinator;
        if (coordinator == null) {
            throw new IllegalStateException("worker " + settings.workerId() + " has no coordinator yet: report only"
                    + " after awaitAssignment returned");
        }
        coordinator.tell(msg);
    }

    /** Leaves the cluster and stops the node; safe to call twice. */
    @Override
    public void close() {
        inbox.closing = true;
        ClusterConfig.terminate(system, "worker " + settings.workerId());
    }

    /** What the agent hands over to the blocking API; guarded by its own monitor. */
    static final class Inbox {
        private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
        private volatile ActorRef<JobCoordinator.Command> coordinator;
        private volatile long stopStep = Long.MAX_VALUE;
        private volatile JobEndedException.Reason ended;
        private volatile boolean closing;
        private String endMessage;
        private Assignment newest;
        private long endedGeneration;
        private long returnedGeneration;

        void coordinator(ActorRef<JobCoordinator.Command> ref) {
            coordinator = ref;
        }

        synchronized void assigned(Assignment a) {
            if (newest == null || a.generation() > newest.generation()) {
                newest = a;
                notifyAll();
            }
        }

        void generationEnded(long generation, String reason) {
            synchronized (this) {
                endedGeneration = Math.max(endedGeneration, generation);
            }
            LOG.info("generation {} ended: {}", generation, reason);
            for (LongConsumer l : listeners) {
                try {
                    l.accept(generation);
                } catch (RuntimeException e) {
                    LOG.warn("a generation-ended listener failed: {}", e.toString());
                }
            }
        }

        synchronized void stopAt(long generation, long step) {
            stopStep = Math.min(stopStep, step);
            notifyAll();
        }

        void ended(JobEndedException.Reason reason, String message) {
            long generation;
            synchronized (this) {
                if (ended != null) {
                    return;
                }
                if (reason == JobEndedException.Reason.DOWNED && closing) {
                    reason = JobEndedException.Reason.FAILED;
                    message = "the worker node was closed";
                }
                ended = reason;
                endMessage = message;
                notifyAll();
                generation = newest == null ? 0 : newest.generation();
            }
            if (generation > 0) {
                // The coordinator cannot reach a downed worker any more: end its generation here.
                generationEnded(generation, message);
            }
        }

        synchronized Assignment await(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                if (ended != null) {
                    throw new JobEndedException(ended, ended == JobEndedException.Reason.FINISHED
                            ? "job finished: " + endMessage : endMessage);
                }
                if (newest != null && newest.generation() > returnedGeneration && newest.generation() > endedGeneration) {
                    returnedGeneration = newest.generation();
                    return newest;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new JobEndedException(JobEndedException.Reason.TIMED_OUT, "no assignment within " + timeout
                            + "; is the coordinator running and are enough workers registered?");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }
}

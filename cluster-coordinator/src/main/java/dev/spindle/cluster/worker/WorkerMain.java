package dev.spindle.cluster.worker;

import dev.spindle.checkpoint.CheckpointSink;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.ShardReceipt;
import dev.spindle.cluster.control.Assignment;
import dev.spindle.cluster.control.JobEndedException;
import dev.spindle.cluster.control.Progress;
import dev.spindle.cluster.control.RankMemory;
import dev.spindle.cluster.control.WorkerNode;
import dev.spindle.cluster.control.WorkerSettings;
import dev.spindle.cluster.dataplane.CollectiveException;
import dev.spindle.cluster.dataplane.DataPlaneListener;
import dev.spindle.cluster.dataplane.PeerAddress;
import dev.spindle.cluster.dataplane.TcpCollectives;
import dev.spindle.cluster.security.JobSecret;
import dev.spindle.train.MemoryReport;
import dev.spindle.train.StepMetrics;
import dev.spindle.train.TrainListener;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker process: joins the job's cluster, then trains generation after generation as the coordinator
 * assigns them, until the job is finished or the cluster has removed this worker.
 *
 * <p>Each generation gets a fresh data-plane mesh. When the coordinator ends a generation (a peer failed,
 * the job grows), the mesh is aborted, so a step blocked in a collective fails at once; the worker reports
 * it and waits for its next assignment, which names the checkpoint every rank restores.
 *
 * <p>Exit codes: 0 the job finished; 1 an error this worker cannot recover from; 2 a bad command line;
 * 3 the cluster removed this worker (it was unreachable and was downed); 4 its launcher died.
 */
public final class WorkerMain {

    /** Exit code of a worker the cluster removed. */
    public static final int EXIT_DOWNED = 3;

    /** Exit code of a worker whose launcher died. */
    public static final int EXIT_ORPHANED = 4;

    private static final Logger LOG = LoggerFactory.getLogger(WorkerMain.class);

    private WorkerMain() {}

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args)));
    }

    /**
     * Runs a worker with the command line {@link WorkerArgs} describes and returns its exit code (the class
     * comment lists them); for a CLI that hosts the worker in its own process ({@code spindle worker ...}).
     */
    public static int run(List<String> argv) {
        CoordinatorAddress.disableNegativeDnsCache();
        WorkerArgs args;
        try {
            args = WorkerArgs.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("spindle worker: " + e.getMessage());
            return 2;
        }
        if (args.parentPid() > 0) {
            exitWithParent(args.workerId(), args.parentPid());
        }
        try (WorkerTraining training = WorkerTrainingProvider.find().open(new WorkerJob(args.jobFile(),
                args.baseDirectory(), args.runDirectory(), args.threads()))) {
            JobSecret secret = JobSecret.read(args.secretFile());
            try (DataPlaneListener dataPlane = DataPlaneListener.bind(args.host(), args.dataPort(), secret)) {
                String advertised = args.advertiseData() != null ? args.advertiseData() : dataPlane.address().toString();
                // A Service name (Kubernetes) becomes the coordinator's pod IP, its canonical Pekko host.
                String coordinator = CoordinatorAddress.resolve(args.coordinator(), training.rendezvousTimeout());
                try (WorkerNode node = WorkerNode.join(new WorkerSettings(args.workerId(), args.host(), args.port(),
                        coordinator, secret, args.tlsDirectory(), advertised))) {
                    return serve(args.workerId(), training, dataPlane, node,
                            new RankPidFile(args.runDirectory().resolve("workers")));
                }
            }
        } catch (Exception e) {
            LOG.error("worker {} failed: {}", args.workerId(), e.toString(), e);
            System.err.println("spindle worker " + args.workerId() + ": " + e.getMessage());
            return 1;
        }
    }

    private static int serve(String workerId, WorkerTraining training, DataPlaneListener dataPlane, WorkerNode node,
            RankPidFile pidFile) throws Exception {
        AtomicReference<TcpCollectives> current = new AtomicReference<>();
        node.onGenerationEnded(generation -> {
            TcpCollectives mesh = current.get();
            if (mesh != null && mesh.generation() <= generation) {
                mesh.abort("the coordinator ended generation " + generation);
            }
        });
        while (true) {
            Assignment assignment;
            try {
                assignment = node.awaitAssignment(Duration.ofDays(365));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            } catch (JobEndedException e) {
                switch (e.reason()) {
                    case FINISHED -> {
                        LOG.info("worker {}: {}", workerId, e.getMessage());
                        return 0;
                    }
                    case DOWNED -> {
                        LOG.warn("worker {} was removed from the cluster ({}); it stops training", workerId,
                                e.getMessage());
                        System.err.println("spindle worker " + workerId + ": removed from the job's cluster ("
                                + e.getMessage() + "); stopping");
                        return EXIT_DOWNED;
                    }
                    default -> {
                        System.err.println("spindle worker " + workerId + ": " + e.getMessage());
                        return 1;
                    }
                }
            }
            long generation = assignment.generation();
            int rank = assignment.rank();
            pidFile.rank(rank);
            LOG.info("worker {} is rank {} of {} in generation {} ({})", workerId, rank, assignment.worldSize(),
                    generation, assignment.restoreStep() < 0 ? "from the start"
                            : "from checkpoint step " + assignment.restoreStep());
            List<PeerAddress> peers = assignment.peers().stream().map(PeerAddress::parse).toList();
            TcpCollectives mesh;
            try {
                mesh = dataPlane.connect(generation, rank, peers, training.collectiveTimeout());
            } catch (CollectiveException e) {
                node.reportFailure(generation, rank, e.getMessage());
                continue;
            }
            current.set(mesh);
            try {
                AtomicLong done = new AtomicLong(Math.max(0, assignment.restoreStep()));
                long step = training.train(new Generation(assignment, mesh,
                        shardSink(training.checkpoints(), node, assignment), progress(node, assignment, done),
                        () -> done.get() >= node.stopStep()));
                node.reportFinished(generation, rank, step);
            } catch (Exception e) {
                Optional<CollectiveException> collective = collectiveCause(e);
                if (collective.isEmpty()) {
                    node.reportFailure(generation, rank, e.toString());
                    throw e;
                }
                LOG.warn("worker {} (rank {}, generation {}): {}", workerId, rank, generation,
                        collective.get().getMessage());
                node.reportFailure(generation, rank, collective.get().getMessage());
            } finally {
                current.set(null);
                mesh.close();
            }
        }
    }

    /**
     * A worker of a local job must not outlive the launcher that coordinates it (killed with SIGKILL, its
     * shutdown hooks never run): it exits as soon as the launcher's process is gone.
     */
    private static void exitWithParent(String workerId, long parentPid) {
        java.util.Optional<ProcessHandle> parent = ProcessHandle.of(parentPid);
        if (parent.isEmpty()) {
            System.err.println("spindle worker " + workerId + ": the launcher (pid " + parentPid + ") is gone; exiting");
            System.exit(EXIT_ORPHANED);
        }
        parent.get().onExit().thenRun(() -> {
            System.err.println("spindle worker " + workerId + ": the launcher (pid " + parentPid + ") exited; exiting");
            Runtime.getRuntime().halt(EXIT_ORPHANED);
        });
    }

    /** Writes this rank's shard and hands its receipt to the coordinator, which commits when all are in. */
    private static CheckpointSink shardSink(CheckpointStore store, WorkerNode node, Assignment assignment) {
        return (layout, parameters, optimizerState, state) -> {
            ShardReceipt receipt;
            try {
                receipt = store.writeShard(assignment.rank(), assignment.worldSize(), layout, parameters,
                        optimizerState, state);
            } catch (java.nio.file.FileAlreadyExistsException committed) {
                // Another generation committed this step (or a later one) meanwhile: this generation is stale.
                // Like a failed collective, that ends the generation for this rank, not the worker.
                throw new CollectiveException("checkpoint step " + state.step() + " of generation "
                        + assignment.generation() + " is already committed or superseded (" + committed.getMessage()
                        + ")", CollectiveException.NO_PEER, assignment.generation(), committed);
            }
            node.reportShard(assignment.generation(), receipt);
            return Optional.empty();
        };
    }

    /**
     * Sends every step's numbers (and, after the generation's first step, the rank's memory) to the coordinator
     * and keeps count of the steps done.
     */
    private static TrainListener progress(WorkerNode node, Assignment assignment, AtomicLong done) {
        return new TrainListener() {
            @Override
            public void onStep(StepMetrics m) {
                done.set(m.step());
                int samples = (int) Math.round(m.samplesPerSec() * m.stepMillis() / 1000.0);
                long tokens = Math.round(m.tokensPerSec() * m.stepMillis() / 1000.0);
                node.reportProgress(new Progress(assignment.generation(), assignment.rank(), m.step(), m.loss(),
                        samples, m.stepMillis(), m.learningRate(), tokens, m.evalLoss()));
            }

            @Override
            public void onMemory(MemoryReport memory) {
                node.reportMemory(RankMemory.of(assignment.generation(), memory));
            }
        };
    }

    private static Optional<CollectiveException> collectiveCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CollectiveException c) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}

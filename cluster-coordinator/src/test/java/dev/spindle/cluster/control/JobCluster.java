package dev.spindle.cluster.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.cluster.security.JobSecret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Test fixture: a coordinator and workers as separate ActorSystems in this JVM on 127.0.0.1, each worker
 * driven by a thread that plays the training loop WorkerMain will run (no model: it reports steps, shards
 * and the end through the real WorkerNode API).
 */
final class JobCluster implements AutoCloseable {

    /** Failure-detector and SBR timings shortened for tests only; production keeps Pekko's defaults. */
    static final Config FAST = ConfigFactory.parseString("""
            pekko.loglevel = WARNING
            pekko.cluster.failure-detector.heartbeat-interval = 200ms
            pekko.cluster.failure-detector.acceptable-heartbeat-pause = 1s
            pekko.cluster.failure-detector.expected-response-after = 200ms
            pekko.cluster.unreachable-nodes-reaper-interval = 200ms
            pekko.cluster.gossip-interval = 200ms
            pekko.cluster.leader-actions-interval = 200ms
            pekko.cluster.retry-unsuccessful-join-after = 1s
            pekko.cluster.split-brain-resolver.stable-after = 3s
            pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            """);

    /** A node that vanishes without leaving the cluster when terminated, as a killed process does. */
    static final Config CRASHABLE = ConfigFactory.parseString("""
            pekko.coordinated-shutdown.run-by-actor-system-terminate = off
            """).withFallback(FAST);

    final Path dir;
    final JobSecret secret = JobSecret.generate();
    final Path tlsDir;
    final MemoryCommitter committer;
    CoordinatorNode coordinator;
    final List<Loop> loops = new CopyOnWriteArrayList<>();
    final Map<Long, Map<Integer, Long>> stopVotes = new ConcurrentHashMap<>();

    JobCluster(Path dir) {
        this.dir = dir;
        this.tlsDir = dir.resolve("tls");
        this.committer = new MemoryCommitter(dir.resolve("checkpoints"));
    }

    CoordinatorNode start(int desired, int min, int max, Duration rendezvous, long totalSteps, int every) {
        return start(desired, min, max, rendezvous, totalSteps, every, committer);
    }

    CoordinatorNode start(int desired, int min, int max, Duration rendezvous, long totalSteps, int every,
            CheckpointCommitter checkpoints) {
        coordinator = CoordinatorNode.start(new CoordinatorSettings("test-job", "127.0.0.1", 0, secret, tlsDir, desired,
                min, max, rendezvous, totalSteps, every, checkpoints, dir.resolve("run"), new StragglerPolicy(2.0, 3)), FAST);
        return coordinator;
    }

    Loop worker(String id, long totalSteps, int every, long stepMillis, Config overrides) {
        return worker(id, totalSteps, every, stepMillis, overrides, Loop::receipt);
    }

    Loop worker(String id, long totalSteps, int every, long stepMillis, Config overrides, ShardWriter shards) {
        WorkerNode node = WorkerNode.join(new WorkerSettings(id, "127.0.0.1", 0, coordinator.seedAddress(), secret,
                tlsDir, "127.0.0.1:" + (40000 + loops.size())), overrides);
        Loop loop = new Loop(id, node, totalSteps, every, stepMillis, shards, stopVotes);
        loops.add(loop);
        loop.thread.start();
        return loop;
    }

    List<JsonNode> lines(String file) throws IOException {
        Path path = dir.resolve("run").resolve(file);
        if (!Files.exists(path)) {
            return List.of();
        }
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(path)) {
            out.add(json.readTree(line));
        }
        return out;
    }

    List<JsonNode> events(String name) throws IOException {
        return lines(RunLog.EVENTS).stream().filter(e -> e.get("event").asText().equals(name)).toList();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() {
        loops.parallelStream().forEach(loop -> loop.node.close());
        if (coordinator != null) {
            coordinator.close();
        }
    }

    /** Writes rank {@code a.rank()}'s shard of {@code step} and returns its receipt. */
    interface ShardWriter {
        Object write(Assignment a, long step) throws IOException;
    }

    /** The worker side of training, as WorkerMain does it, minus the model. */
    static final class Loop implements Runnable {
        final String id;
        final WorkerNode node;
        final long totalSteps;
        final int every;
        volatile long stepMillis;
        final List<Assignment> assignments = new CopyOnWriteArrayList<>();
        volatile JobEndedException ended;
        volatile long lastStep;
        final Thread thread;

        final ShardWriter shards;
        /** Per generation, each rank's proposed stop step: shared by the loops of one cluster. */
        final Map<Long, Map<Integer, Long>> stopVotes;
        volatile Throwable error;

        Loop(String id, WorkerNode node, long totalSteps, int every, long stepMillis, ShardWriter shards,
                Map<Long, Map<Integer, Long>> stopVotes) {
            this.shards = shards;
            this.stopVotes = stopVotes;
            this.id = id;
            this.node = node;
            this.totalSteps = totalSteps;
            this.every = every;
            this.stepMillis = stepMillis;
            this.thread = new Thread(this, "loop-" + id);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            try {
                while (true) {
                    Assignment a = node.awaitAssignment(Duration.ofSeconds(60));
                    assignments.add(a);
                    AtomicBoolean aborted = new AtomicBoolean();
                    node.onGenerationEnded(g -> {
                        if (g == a.generation()) {
                            aborted.set(true);
                        }
                    });
                    long step = Math.max(0, a.restoreStep());
                    long checkpointed = a.restoreStep();
                    while (!aborted.get() && step < Math.min(totalSteps, agreedStop(a, step, aborted))) {
                        long started = System.nanoTime();
                        Thread.sleep(stepMillis);
                        step++;
                        lastStep = step;
                        double millis = (System.nanoTime() - started) / 1e6;
                        node.reportProgress(new Progress(a.generation(), a.rank(), step, 1.0 / step, 4 + a.rank(), millis));
                        if (step % every == 0) {
                            node.reportShard(a.generation(), a.rank(), step, shards.write(a, step));
                            checkpointed = step;
                        }
                    }
                    if (!aborted.get()) {
                        if (checkpointed != step) {
                            node.reportShard(a.generation(), a.rank(), step, shards.write(a, step));
                        }
                        node.reportFinished(a.generation(), a.rank(), step);
                    }
                }
            } catch (JobEndedException e) {
                ended = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException | RuntimeException | Error e) {
                error = e;
            }
        }

        /**
         * The step the ranks of {@code a}'s generation stop at, as the Trainer's MAX all-reduce agrees it: each
         * rank that has seen the stop request proposes the later of its own step and the requested one, and the
         * stop is the largest proposal once every rank has made one. Until then a rank that has reached the
         * largest proposal so far waits. Long.MAX_VALUE while no stop was asked for.
         */
        private long agreedStop(Assignment a, long step, AtomicBoolean aborted) throws InterruptedException {
            if (node.stopStep() == Long.MAX_VALUE) {
                return Long.MAX_VALUE;
            }
            Map<Integer, Long> votes = stopVotes.computeIfAbsent(a.generation(), g -> new ConcurrentHashMap<>());
            votes.putIfAbsent(a.rank(), Math.max(step, node.stopStep()));
            long agreed = votes.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            while (step >= agreed && votes.size() < a.worldSize() && !aborted.get()) {
                Thread.sleep(5);
                agreed = votes.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            }
            return agreed;
        }

        static Object receipt(Assignment a, long step) {
            return Map.of("step", step, "rank", a.rank(), "worldSize", a.worldSize(), "digest", "d" + step);
        }
    }

    /**
     * A committer that checks what a commit must (one receipt per rank, the same step and digest) and
     * records each commit as a step directory; used until the checkpoint store's shard commit is wired in.
     */
    static final class MemoryCommitter implements CheckpointCommitter {
        final Path root;
        final List<Long> committed = new CopyOnWriteArrayList<>();
        final List<Integer> worldSizes = new CopyOnWriteArrayList<>();
        volatile Optional<CheckpointInfo> latest = Optional.empty();

        MemoryCommitter(Path root) {
            this.root = root;
        }

        @Override
        public Optional<CheckpointInfo> latest() {
            return latest;
        }

        @Override
        public CheckpointInfo commit(long step, List<JsonNode> receipts) throws IOException {
            for (int r = 0; r < receipts.size(); r++) {
                JsonNode receipt = receipts.get(r);
                if (receipt.get("rank").asInt() != r || receipt.get("step").asLong() != step
                        || receipt.get("worldSize").asInt() != receipts.size()) {
                    throw new IOException("receipt " + receipt + " does not belong at rank " + r + " of step " + step);
                }
                if (!receipt.get("digest").equals(receipts.get(0).get("digest"))) {
                    throw new IOException("replicas diverged: rank 0 has " + receipts.get(0).get("digest") + ", rank " + r
                            + " has " + receipt.get("digest"));
                }
            }
            Path directory = Files.createDirectories(root.resolve("step-" + step));
            CheckpointInfo info = new CheckpointInfo(step, directory, "0".repeat(64), Instant.now(), 0);
            committed.add(step);
            worldSizes.add(receipts.size());
            latest = Optional.of(info);
            return info;
        }
    }
}

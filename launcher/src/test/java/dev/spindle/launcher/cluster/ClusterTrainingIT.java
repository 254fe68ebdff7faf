package dev.spindle.launcher.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.cluster.dataplane.CollectiveException;
import dev.spindle.cluster.dataplane.DataPlaneListener;
import dev.spindle.cluster.dataplane.PeerAddress;
import dev.spindle.cluster.security.JobSecret;
import dev.spindle.cluster.security.TlsMaterial;
import dev.spindle.data.storage.FaultyProxy;
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multi-worker jobs on loopback, run by the real CLI: worker JVMs killed with SIGKILL, replaced or not,
 * joined by a late worker; each time the job must finish every step and train on every sample of each
 * epoch exactly once.
 */
class ClusterTrainingIT {

    private static final long STEPS = 120;
    /** Steps of a job the test ends itself, with a graceful stop, once it has seen what it came for. */
    private static final long OPEN_ENDED = 100_000;

    @TempDir
    Path dir;

    private final List<ClusterRun> runs = new java.util.ArrayList<>();

    /** Nothing a test started outlives it, whatever its outcome (the temporary folder goes next). */
    @org.junit.jupiter.api.AfterEach
    void stopEverything() {
        runs.forEach(ClusterRun::destroy);
    }

    private ClusterRun run(String name) {
        ClusterRun run = new ClusterRun(dir, name);
        runs.add(run);
        return run;
    }

    @Test
    void aWorkerKilledAfterTheFirstCommitIsReplacedAndTheJobFinishes() throws Exception {
        Path job = ClusterRun.job(dir, STEPS, 10, "parallelism: {data: 4}");
        ClusterRun run = run("replace").start(job);
        run.awaitEvent("checkpoint-committed", e -> true, 180);
        Map<String, Long> pids = run.workerPids();
        assertEquals(4, pids.size(), "pid files " + pids);
        ClusterRun.kill9(pids.values().iterator().next());

        assertEquals(0, run.await(300), run.output());
        assertFinished(run);
        JsonNode regrouped = run.awaitEvent("generation-started", e -> e.path("generation").asLong() >= 2, 1);
        assertEquals(4, regrouped.path("worldSize").asInt(), "a replacement restores the full world: " + regrouped);
        assertTrue(run.events().stream().anyMatch(e -> e.path("event").asText().equals("member-downed")
                || e.path("event").asText().equals("worker-exited")), "the failure is in the events");
        assertTrue(run.assertExactlyOnce(STEPS) >= 2, "steps were trained by more than one generation");
    }

    @Test
    void aRestartedLauncherResumesFromTheNewestCommittedCheckpoint() throws Exception {
        Path job = ClusterRun.job(dir, STEPS, 10, "parallelism: {data: 2}");
        ClusterRun first = run("restart").start(job);
        first.awaitEvent("checkpoint-committed", e -> true, 180);
        java.util.Collection<Long> workers = first.workerPids().values();
        ClusterRun.kill9(first.process.pid());
        first.process.waitFor();
        // Its workers notice their launcher is gone and exit instead of training on alone.
        for (long pid : workers) {
            java.util.Optional<ProcessHandle> worker = ProcessHandle.of(pid);
            if (worker.isPresent()) {
                worker.get().onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        long committed = CheckpointStore.open(first.runDir.resolve("checkpoints"), 10).latest().orElseThrow().step();

        ClusterRun second = run("restart").start(job, "--resume");
        assertEquals(0, second.await(300), second.output());
        assertFinished(second);
        JsonNode resumed = second.awaitEvent("generation-started", e -> e.path("restoreStep").asLong() >= committed, 1);
        assertTrue(resumed.path("generation").asLong() >= 2, "generations number on across launchers: " + resumed);
        second.assertExactlyOnce(STEPS);
    }

    @Test
    void withoutReplacementTheJobShrinksAndReshardsTheData() throws Exception {
        Path job = ClusterRun.job(dir, STEPS, 10, """
                parallelism: {data: 3}
                elastic: {minWorkers: 2, maxWorkers: 3, maxRestarts: 0}""");
        ClusterRun run = run("shrink").start(job);
        run.awaitEvent("checkpoint-committed", e -> true, 180);
        ClusterRun.kill9(run.workerPids().values().iterator().next());

        assertEquals(0, run.await(300), run.output());
        assertFinished(run);
        JsonNode shrunk = run.awaitEvent("generation-started", e -> e.path("generation").asLong() >= 2, 1);
        assertEquals(2, shrunk.path("worldSize").asInt(), "the job continues with the two survivors: " + shrunk);
        run.assertExactlyOnce(STEPS);
    }

    @Test
    void aWorkerThatJoinsLaterGrowsTheJobAtTheNextCheckpoint() throws Exception {
        Path job = ClusterRun.job(dir, OPEN_ENDED, 10, """
                parallelism: {data: 2}
                elastic: {minWorkers: 2, maxWorkers: 3}""");
        ClusterRun run = run("grow").start(job);
        run.awaitEvent("checkpoint-committed", e -> true, 180);
        Process extra = run.joinWorker(job, "extra", run.runDir.resolve("job.secret"), null);
        JsonNode grown = run.awaitEvent("generation-started", e -> e.path("worldSize").asInt() == 3, 240);
        run.awaitEvent("checkpoint-committed", e -> e.path("generation").asLong() == grown.path("generation").asLong(),
                120);

        long last = run.stopGracefully();
        assertTrue(extra.waitFor(60, java.util.concurrent.TimeUnit.SECONDS),
                "the extra worker ends with the job:\n" + run.workerLog("extra"));
        assertEquals(0, extra.exitValue(), "the extra worker finishes with the job:\n" + run.workerLog("extra"));
        assertTrue(grown.path("restoreStep").asLong() >= 10, "the grown generation restores a checkpoint: " + grown);
        run.assertExactlyOnce(last);
    }

    @Test
    void aWorkerWithAnotherJobsSecretCanNotJoin() throws Exception {
        Path job = ClusterRun.job(dir, STEPS, 10, "parallelism: {data: 2}");
        ClusterRun run = run("intruder").start(job);
        run.awaitEvent("checkpoint-committed", e -> true, 180);
        // Another job's secret, and the TLS material made from it: all an outsider can have.
        JobSecret other = JobSecret.generate();
        Path otherSecret = dir.resolve("other.secret");
        other.write(otherSecret);
        TlsMaterial.create(other, dir.resolve("other-tls"));
        Process intruder = run.joinWorker(job, "intruder", otherSecret, dir.resolve("other-tls"));

        // Nor can it open a data-plane connection to a worker of the job.
        String rank0 = run.awaitEvent("worker-registered", e -> true, 1).path("dataPlane").asText();
        try (DataPlaneListener outsider = DataPlaneListener.bind("127.0.0.1", 0, other)) {
            CollectiveException refused = assertThrows(CollectiveException.class, () -> outsider.connect(1, 1,
                    List.of(PeerAddress.parse(rank0), outsider.address()), Duration.ofSeconds(5)));
            assertTrue(refused.getMessage().contains(rank0) || refused.getMessage().contains("rank 0"),
                    refused.getMessage());
        }

        assertEquals(0, run.await(300), run.output());
        assertTrue(run.events().stream().noneMatch(e -> "intruder".equals(e.path("workerId").asText())),
                "the intruder never registered");
        assertTrue(run.events().stream().noneMatch(e -> e.path("event").asText().equals("generation-started")
                && e.path("generation").asLong() > 1), "the job never regrouped");
        intruder.destroyForcibly().waitFor();
        run.assertExactlyOnce(STEPS);
    }

    @Test
    void aPartitionedWorkerIsDownedAndStopsWhileTheJobGoesOn() throws Exception {
        Path job = ClusterRun.job(dir, OPEN_ENDED, 10, """
                parallelism: {data: 2}
                elastic: {minWorkers: 2, maxWorkers: 3}""");
        ClusterRun run = run("partition").start(job);
        run.awaitEvent("checkpoint-committed", e -> true, 180);
        int arteryPort = freePort();
        int dataPort = freePort();
        // Every connection into the third worker, control and data plane, goes through a proxy the test cuts.
        try (FaultyProxy artery = new FaultyProxy("127.0.0.1", arteryPort);
                FaultyProxy data = new FaultyProxy("127.0.0.1", dataPort)) {
            String advertised = artery.endpoint().substring(artery.endpoint().lastIndexOf(':') + 1);
            Process cutOff = run.joinWorker(job, "cut-off", run.runDir.resolve("job.secret"), null,
                    List.of("-Dpekko.remote.artery.canonical.port=" + advertised,
                            "-Dpekko.remote.artery.bind.port=" + arteryPort),
                    "--port", Integer.toString(arteryPort), "--data-port", Integer.toString(dataPort),
                    "--advertise-data", data.endpoint());
            JsonNode grown = run.awaitEvent("generation-started", e -> e.path("worldSize").asInt() == 3, 240);
            long generation = grown.path("generation").asLong();
            run.awaitEvent("checkpoint-committed", e -> e.path("generation").asLong() == generation, 120);
            artery.cut();
            data.cut();

            assertTrue(cutOff.waitFor(180, java.util.concurrent.TimeUnit.SECONDS),
                    "the cut-off worker stops:\n" + run.workerLog("cut-off"));
            assertEquals(3, cutOff.exitValue(), "it stops because it learned it was downed:\n"
                    + run.workerLog("cut-off"));
            JsonNode regrouped = run.awaitEvent("generation-started", e -> e.path("generation").asLong() > generation
                    && e.path("worldSize").asInt() == 2, 120);
            run.awaitEvent("checkpoint-committed",
                    e -> e.path("generation").asLong() == regrouped.path("generation").asLong(), 120);
            long last = run.stopGracefully();
            assertTrue(run.events().stream().anyMatch(e -> e.path("event").asText().equals("member-downed")
                    && e.path("address").asText().endsWith(":" + advertised)), "the coordinator downed it");
            run.assertExactlyOnce(last);
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void assertFinished(ClusterRun run) throws Exception {
        assertFinished(run, STEPS);
    }

    private static void assertFinished(ClusterRun run, long steps) throws Exception {
        CheckpointStore store = CheckpointStore.open(run.runDir.resolve("checkpoints"), 10);
        assertEquals(steps, store.latest().orElseThrow().step(), "the final checkpoint is the last step");
        assertTrue(store.verify().stream().allMatch(r -> r.valid()), "every kept checkpoint verifies");
        List<JsonNode> events = run.events();
        assertTrue(events.stream().anyMatch(e -> e.path("event").asText().equals("job-finished")),
                "the events end with job-finished");
    }
}

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

    @TempDir
    Path dir;

    @Test
    void aWorkerKilledAfterTheFirstCommitIsReplacedAndTheJobFinishes() throws Exception {
        Path job = ClusterRun.job(dir, STEPS, 10, "parallelism: {data: 4}");
        ClusterRun run = new ClusterRun(dir, "replace").start(job);
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
    void withoutReplacementTheJobShrinksAndReshardsTheData() throws Exception {
        Path job = ClusterRun.job(dir, STEPS, 10, """
                parallelism: {data: 3}
                elastic: {minWorkers: 2, maxWorkers: 3, maxRestarts: 0}""");
        ClusterRun run = new ClusterRun(dir, "shrink").start(job);
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
        Path job = ClusterRun.job(dir, STEPS, 10, """
                parallelism: {data: 2}
                elastic: {minWorkers: 2, maxWorkers: 3}""");
        ClusterRun run = new ClusterRun(dir, "grow").start(job);
        run.awaitEvent("checkpoint-committed", e -> true, 180);
        Process extra = run.joinWorker(job, "extra", run.runDir.resolve("job.secret"), null);

        assertEquals(0, run.await(300), run.output());
        assertTrue(extra.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the extra worker ends with the job");
        assertEquals(0, extra.exitValue(), "the extra worker finishes with the job");
        assertFinished(run);
        JsonNode grown = run.awaitEvent("generation-started", e -> e.path("generation").asLong() >= 2, 1);
        assertEquals(3, grown.path("worldSize").asInt(), "the job grows to three ranks: " + grown);
        run.assertExactlyOnce(STEPS);
    }

    @Test
    void aWorkerWithAnotherJobsSecretCanNotJoin() throws Exception {
        Path job = ClusterRun.job(dir, STEPS, 10, "parallelism: {data: 2}");
        ClusterRun run = new ClusterRun(dir, "intruder").start(job);
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

    private static void assertFinished(ClusterRun run) throws Exception {
        CheckpointStore store = CheckpointStore.open(run.runDir.resolve("checkpoints"), 10);
        assertEquals(STEPS, store.latest().orElseThrow().step(), "the final checkpoint is the last step");
        assertTrue(store.verify().stream().allMatch(r -> r.valid()), "every kept checkpoint verifies");
        List<JsonNode> events = run.events();
        assertTrue(events.stream().anyMatch(e -> e.path("event").asText().equals("job-finished")),
                "the events end with job-finished");
    }
}

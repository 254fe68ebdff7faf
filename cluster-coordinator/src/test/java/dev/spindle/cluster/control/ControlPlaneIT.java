package dev.spindle.cluster.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Coordinator and workers as ActorSystems in one JVM on 127.0.0.1, over Artery TLS. */
class ControlPlaneIT {

    @TempDir
    Path dir;

    @Test
    void rendezvousAssignsRanksReportsMetricsAndCommitsEveryCheckpoint() throws Exception {
        try (JobCluster job = new JobCluster(dir)) {
            job.start(2, 2, 2, Duration.ofSeconds(30), 12, 4);
            JobCluster.Loop fast = job.worker("w0", 12, 4, 10, JobCluster.FAST);
            JobCluster.Loop slow = job.worker("w1", 12, 4, 200, JobCluster.FAST);

            JobOutcome outcome = job.coordinator.outcome().get(45, TimeUnit.SECONDS);

            assertTrue(outcome.succeeded(), outcome.message());
            assertEquals(12, outcome.finalStep());
            assertEquals(1, outcome.generations());
            assertEquals(List.of(4L, 8L, 12L), job.committer.committed);
            Assignment a0 = fast.assignments.get(0);
            Assignment a1 = slow.assignments.get(0);
            assertEquals(Set.of(0, 1), Set.of(a0.rank(), a1.rank()));
            assertEquals(a0.peers(), a1.peers());
            assertEquals(-1, a0.restoreStep());
            List<JsonNode> metrics = job.lines(RunLog.METRICS);
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L),
                    metrics.stream().map(m -> m.get("step").asLong()).toList());
            JsonNode first = metrics.get(0);
            assertEquals(2, first.get("ranks").asInt());
            assertEquals(9, first.get("samples").asInt());   // 4 + rank: 4 + 5
            assertEquals(1.0, first.get("loss").asDouble(), 1e-12);
            assertEquals(2, job.events("assignment").size());
            assertEquals(3, job.events("checkpoint-committed").size());
            assertEquals(1, job.events("job-finished").size());
            List<JsonNode> stragglers = job.events("straggler");
            assertFalse(stragglers.isEmpty(), "the worker 20x slower than the other is reported as a straggler");
            assertEquals(Set.of("w1"), stragglers.stream().map(s -> s.get("workerId").asText()).collect(Collectors.toSet()));
            JobCluster.await("both loops ended", () -> fast.ended != null && slow.ended != null);
            assertEquals(JobEndedException.Reason.FINISHED, fast.ended.reason());
            assertEquals(JobEndedException.Reason.FINISHED, slow.ended.reason());
        }
    }

    @Test
    void abortFailsTheJobNamingTheNewestCheckpointAndEndsTheWorkers() throws Exception {
        try (JobCluster job = new JobCluster(dir)) {
            job.start(1, 1, 1, Duration.ofSeconds(30), 100_000, 3);
            JobCluster.Loop w0 = job.worker("w0", 100_000, 3, 10, JobCluster.FAST);
            JobCluster.await("a checkpoint", () -> !job.committer.committed.isEmpty());

            job.coordinator.abort("no restarts left");

            JobOutcome outcome = job.coordinator.outcome().get(45, TimeUnit.SECONDS);
            assertFalse(outcome.succeeded());
            assertEquals("no restarts left", outcome.message());
            assertTrue(outcome.finalStep() >= 3, outcome.toString());
            JobCluster.await("w0's loop ended", () -> w0.ended != null);
            assertEquals(JobEndedException.Reason.FAILED, w0.ended.reason());
            assertEquals(1, job.events("job-failed").size());
        }
    }
}

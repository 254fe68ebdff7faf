package dev.spindle.launcher.kube.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.train.StepMetrics;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StatusTrackerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode event(String json) throws Exception {
        return JSON.readTree(json);
    }

    private static JsonNode status(StatusTracker tracker) throws Exception {
        return JSON.readTree(tracker.snapshot(Instant.parse("2026-11-30T04:00:00Z")).toJson());
    }

    @Test
    void formingUntilTheFirstGenerationWithNullLossAndCheckpoint() throws Exception {
        StatusTracker tracker = new StatusTracker(4, 0, 600);
        tracker.accept(event("{\"event\":\"coordinator-started\",\"desiredWorkers\":4,\"restoreStep\":-1}"));
        tracker.accept(event("{\"event\":\"rendezvous-waiting\",\"registered\":3,\"desiredWorkers\":4}"));
        JsonNode s = status(tracker);
        assertEquals("Forming", s.path("phase").asText());
        assertEquals(4, s.path("desiredWorkers").asInt());
        assertEquals(600, s.path("totalSteps").asLong());
        assertTrue(s.path("loss").isNull());
        assertTrue(s.path("checkpointStep").isNull());
        assertEquals("3 of 4 workers joined; waiting for the rest", s.path("message").asText());
        assertEquals("2026-11-30T04:00:00Z", s.path("updated").asText());
        assertFalse(tracker.takeMilestone(), "waiting is not a milestone");
    }

    @Test
    void aGenerationAssignsRanksToPodsAndReplacesTheOldOnes() throws Exception {
        StatusTracker tracker = new StatusTracker(2, 0, 100);
        tracker.accept(event("{\"event\":\"generation-started\",\"generation\":1,\"worldSize\":2,\"restoreStep\":-1}"));
        tracker.accept(event("{\"event\":\"assignment\",\"generation\":1,\"rank\":0,\"workerId\":\"tiny-worker-a\"}"));
        tracker.accept(event("{\"event\":\"assignment\",\"generation\":1,\"rank\":1,\"workerId\":\"tiny-worker-b\"}"));
        assertTrue(tracker.takeMilestone());
        assertFalse(tracker.takeMilestone(), "a milestone is taken once");
        tracker.onStep(new StepMetrics(12, 2.5, 0.001, 1.0, 100, 0, 10, 0, 1, Double.NaN));
        tracker.accept(event("{\"event\":\"checkpoint-committed\",\"generation\":1,\"step\":10}"));
        assertTrue(tracker.takeMilestone());
        tracker.accept(event("{\"event\":\"generation-started\",\"generation\":2,\"worldSize\":2,\"restoreStep\":10,"
                + "\"reason\":\"rank 1 failed\"}"));
        tracker.accept(event("{\"event\":\"assignment\",\"generation\":2,\"rank\":0,\"workerId\":\"tiny-worker-b\"}"));
        tracker.accept(event("{\"event\":\"assignment\",\"generation\":1,\"rank\":1,\"workerId\":\"stale\"}"));
        JsonNode s = status(tracker);
        assertEquals("Running", s.path("phase").asText());
        assertEquals(2, s.path("generation").asLong());
        assertEquals(12, s.path("step").asLong());
        assertEquals(2.5, s.path("loss").asDouble(), 1e-9);
        assertEquals(10, s.path("checkpointStep").asLong());
        assertEquals(JSON.readTree("{\"0\":\"tiny-worker-b\"}"), s.path("ranks"));
        assertEquals("generation 2 of 2 workers started from checkpoint step 10 (rank 1 failed)",
                s.path("message").asText());
    }

    @Test
    void theEndIsAMilestoneWithTheCoordinatorsMessage() throws Exception {
        StatusTracker tracker = new StatusTracker(2, 0, 100);
        tracker.accept(event("{\"event\":\"job-failed\",\"message\":\"no worker left\",\"newestCheckpoint\":-1}"));
        assertTrue(tracker.takeMilestone());
        JsonNode s = status(tracker);
        assertEquals("Failed", s.path("phase").asText());
        assertEquals("no worker left", s.path("message").asText());
    }

    @Test
    void theJsonKeysAreTheContractsInOrder() throws Exception {
        String json = new StatusTracker(1, 0, 5).snapshot(Instant.EPOCH).toJson();
        java.util.List<String> keys = new java.util.ArrayList<>();
        JSON.readTree(json).fieldNames().forEachRemaining(keys::add);
        assertEquals(java.util.List.of("phase", "generation", "worldSize", "desiredWorkers", "step", "totalSteps",
                "loss", "checkpointStep", "message", "ranks", "updated"), keys);
    }

    @Test
    void theSubmitSideReadsWhatTheCoordinatorWrites() throws Exception {
        StatusTracker tracker = new StatusTracker(2, 0, 100);
        dev.spindle.launcher.kube.StatusReport before = dev.spindle.launcher.kube.StatusReport.parse(
                tracker.snapshot(Instant.now()).toJson());
        assertEquals("Forming", before.phase());
        assertEquals(-1, before.checkpointStep(), "no checkpoint yet reads as -1");
        assertTrue(Double.isNaN(before.loss()), "no loss yet reads as NaN");
        tracker.accept(event("{\"event\":\"generation-started\",\"generation\":3,\"worldSize\":2,\"restoreStep\":8}"));
        tracker.accept(event("{\"event\":\"assignment\",\"generation\":3,\"rank\":1,\"workerId\":\"tiny-worker-b\"}"));
        tracker.accept(event("{\"event\":\"checkpoint-committed\",\"generation\":3,\"step\":12}"));
        tracker.onStep(new StepMetrics(13, 1.25, 0.001, 1.0, 100, 0, 10, 0, 1, Double.NaN));
        dev.spindle.launcher.kube.StatusReport now = dev.spindle.launcher.kube.StatusReport.parse(
                tracker.snapshot(Instant.now()).toJson());
        assertEquals("Running", now.phase());
        assertEquals(3, now.generation());
        assertEquals(2, now.worldSize());
        assertEquals(13, now.step());
        assertEquals(100, now.totalSteps());
        assertEquals(1.25, now.loss(), 1e-12);
        assertEquals(12, now.checkpointStep());
        assertEquals("tiny-worker-b", now.ranks().get(1));
    }
}

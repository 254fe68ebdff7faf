package dev.spindle.cluster.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failure and elastic membership: crash, downing, shrink, grow, the launcher's exit fast path, graceful stop. */
class RecoveryIT {

    @TempDir
    Path dir;

    @Test
    void crashedWorkerIsDownedSurvivorsShrinkThenALateWorkerGrowsTheJob() throws Exception {
        long endless = 1_000_000;
        try (JobCluster job = new JobCluster(dir)) {
            job.start(3, 2, 3, Duration.ofSeconds(2), endless, 5);
            job.worker("w0", endless, 5, 30, JobCluster.FAST);
            job.worker("w1", endless, 5, 30, JobCluster.FAST);
            JobCluster.Loop victim = job.worker("w2", endless, 5, 30, JobCluster.CRASHABLE);
            JobCluster.await("a first checkpoint", () -> !job.committer.committed.isEmpty());

            victim.node.close();   // no Leave: the node vanishes as a killed process does

            JobCluster.await("a checkpoint of the shrunk job", () -> job.committer.worldSizes.contains(2));
            // The receptionist may report the victim's agent gone before the failure detector marks its node
            // unreachable (seen on a loaded CI machine): the generation shrinks on the first, the downing
            // follows on the second.
            JobCluster.await("the crashed member is downed", () -> count(job, "member-downed") == 1);
            job.worker("w3", endless, 5, 30, JobCluster.FAST);
            JobCluster.await("a checkpoint of the grown job", () -> job.coordinator.generations() == 3
                    && job.committer.worldSizes.get(job.committer.worldSizes.size() - 1) == 3);
            job.coordinator.requestStop();
            JobOutcome outcome = job.coordinator.outcome().get(45, TimeUnit.SECONDS);

            assertTrue(outcome.succeeded(), outcome.message());
            assertEquals(3, outcome.generations());
            assertEquals(outcome.finalStep(), job.committer.committed.get(job.committer.committed.size() - 1));
            assertEquals(1, job.events("member-unreachable").size());
            assertEquals(1, job.events("member-downed").size());
            List<JsonNode> generations = job.events("generation-started");
            assertEquals(List.of(3, 2, 3), generations.stream().map(g -> g.get("worldSize").asInt()).toList());
            assertTrue(generations.get(1).get("reason").asText().contains("w2"), generations.get(1).toString());
            assertTrue(generations.get(1).get("restoreStep").asLong() >= 5, generations.get(1).toString());
            assertEquals("grow", generations.get(2).get("reason").asText());
            assertTrue(generations.get(2).get("restoreStep").asLong() > generations.get(1).get("restoreStep").asLong(),
                    "the job grows at a checkpoint of the shrunk generation");
        }
    }

    @Test
    void exitedWorkerIsDownedAtOnceAndLearnsIt() throws Exception {
        try (JobCluster job = new JobCluster(dir)) {
            job.start(2, 1, 2, Duration.ofSeconds(1), 100_000, 10);
            JobCluster.Loop w0 = job.worker("w0", 100_000, 10, 20, JobCluster.FAST);
            JobCluster.Loop w1 = job.worker("w1", 100_000, 10, 20, JobCluster.FAST);
            JobCluster.await("both assigned", () -> !w0.assignments.isEmpty() && !w1.assignments.isEmpty());

            job.coordinator.workerProcessExited("w1", 137);

            JobCluster.await("w1 learns it was downed", () -> w1.node.downed());
            JobCluster.await("w1's loop ended", () -> w1.ended != null);
            assertEquals(JobEndedException.Reason.DOWNED, w1.ended.reason());
            assertThrows(JobEndedException.class, () -> w1.node.awaitAssignment(Duration.ofSeconds(1)));
            JobCluster.await("w0 alone in generation 2", () -> w0.assignments.size() == 2);
            assertEquals(1, w0.assignments.get(1).worldSize());
            assertFalse(w0.node.downed());
            job.coordinator.requestStop();
            JobOutcome outcome = job.coordinator.outcome().get(45, TimeUnit.SECONDS);
            assertTrue(outcome.succeeded(), outcome.message());
            assertTrue(outcome.finalStep() < 100_000, outcome.toString());
            assertEquals(outcome.finalStep(), job.committer.committed.get(job.committer.committed.size() - 1));
        }
    }

    /** How many events of {@code name} the run log holds so far; -1 while a line is still being written. */
    private static int count(JobCluster job, String name) {
        try {
            return job.events(name).size();
        } catch (IOException | RuntimeException partial) {
            return -1;
        }
    }
}

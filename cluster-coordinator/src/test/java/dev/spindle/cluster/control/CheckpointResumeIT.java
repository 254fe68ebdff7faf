package dev.spindle.cluster.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.TrainState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two-phase commit through a real CheckpointStore, and a coordinator that resumes from the newest commit. */
class CheckpointResumeIT {

    @TempDir
    Path dir;

    @Test
    void ranksShardsAreCommittedAndANewCoordinatorResumesFromTheNewest() throws Exception {
        CheckpointStore store = CheckpointStore.open(dir.resolve("checkpoints"), 5);
        JobCluster.ShardWriter real = (a, step) -> {
            try (NDManager manager = NDManager.newBaseManager()) {
                var weight = manager.full(new Shape(2, 2), (float) step);   // replicas agree at every step
                return store.writeShard(a.rank(), a.worldSize(), Map.of("w", weight), Map.of(),
                        new TrainState(step, 1L, "spec", TrainState.EMPTY_CURSOR, 1.0 / step));
            }
        };
        try (JobCluster first = new JobCluster(dir.resolve("first"))) {
            first.start(2, 2, 2, Duration.ofSeconds(30), 6, 3, CheckpointCommitter.of(store));
            JobCluster.Loop w0 = first.worker("w0", 6, 3, 10, JobCluster.FAST, real);
            JobCluster.Loop w1 = first.worker("w1", 6, 3, 10, JobCluster.FAST, real);

            JobOutcome outcome = first.coordinator.outcome().get(45, TimeUnit.SECONDS);

            assertTrue(outcome.succeeded(), outcome.message());
            assertEquals(6, store.latest().orElseThrow().step());
            assertEquals(List.of(3L, 6L), first.events("checkpoint-committed").stream()
                    .map(e -> e.get("step").asLong()).toList());
            assertNull(w0.error);
            assertNull(w1.error);
        }
        try (JobCluster second = new JobCluster(dir.resolve("second"))) {
            second.start(2, 2, 2, Duration.ofSeconds(30), 9, 3, CheckpointCommitter.of(store));
            JobCluster.Loop w0 = second.worker("w0", 9, 3, 10, JobCluster.FAST, real);
            second.worker("w1", 9, 3, 10, JobCluster.FAST, real);

            JobOutcome outcome = second.coordinator.outcome().get(45, TimeUnit.SECONDS);

            assertTrue(outcome.succeeded(), outcome.message());
            assertEquals(6, w0.assignments.get(0).restoreStep());
            assertEquals(store.describe(store.list().stream().filter(c -> c.step() == 6).findFirst().orElseThrow()
                    .directory()), w0.assignments.get(0).restoreCheckpoint());
            assertEquals(9, store.latest().orElseThrow().step());
            assertEquals(List.of(7L, 8L, 9L), second.lines(RunLog.METRICS).stream().map(m -> m.get("step").asLong()).toList());
        }
    }
}

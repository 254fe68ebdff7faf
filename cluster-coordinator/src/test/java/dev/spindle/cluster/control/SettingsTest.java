package dev.spindle.cluster.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.cluster.security.JobSecret;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettingsTest {

    private static final JobSecret SECRET = JobSecret.generate();

    @Test
    void coordinatorSettingsReportEveryProblemAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CoordinatorSettings("job",
                "127.0.0.1", 70000, SECRET, Path.of("tls"), 2, 3, 4, Duration.ZERO, 0, 10,
                new JobCluster.MemoryCommitter(Path.of("c")), Path.of("run"), null));

        assertTrue(e.getMessage().contains("port must be in [0, 65535], got 70000"), e.getMessage());
        assertTrue(e.getMessage().contains("1 <= minWorkers <= desiredWorkers <= maxWorkers, got 3 <= 2 <= 4"), e.getMessage());
        assertTrue(e.getMessage().contains("rendezvousTimeout must be positive"), e.getMessage());
        assertTrue(e.getMessage().contains("totalSteps must be >= 1, got 0"), e.getMessage());
    }

    private static CoordinatorSettings meshSettings(int desired, int min, int max, int modelParallelSize) {
        return new CoordinatorSettings("job", "127.0.0.1", 0, SECRET, Path.of("tls"), desired, min, max,
                Duration.ofSeconds(1), 10, 0, new JobCluster.MemoryCommitter(Path.of("c")), Path.of("run"), null,
                modelParallelSize);
    }

    @Test
    void workerCountsMustBeWholeModelReplicas() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> meshSettings(8, 6, 10, 4));

        assertTrue(e.getMessage().contains("minWorkers must be a multiple of modelParallelSize 4 (tensor × pipeline:"
                + " a generation runs whole model replicas), got 6"), e.getMessage());
        assertTrue(e.getMessage().contains("maxWorkers must be a multiple of modelParallelSize 4"), e.getMessage());
        assertTrue(!e.getMessage().contains("desiredWorkers must be"), e.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> meshSettings(8, 4, 8, 0));
        assertTrue(zero.getMessage().contains("modelParallelSize (tensor × pipeline) must be >= 1, got 0"),
                zero.getMessage());
        assertEquals(1, new CoordinatorSettings("job", "127.0.0.1", 0, SECRET, Path.of("tls"), 3, 1, 3,
                Duration.ofSeconds(1), 10, 0, new JobCluster.MemoryCommitter(Path.of("c")), Path.of("run"), null)
                .modelParallelSize());
    }

    @Test
    void worldsShrinkByWholeModelReplicasAndNeverBelowMinWorkers() {
        CoordinatorSettings eight = meshSettings(8, 4, 8, 4);
        assertEquals(8, eight.largestWorld(9));
        assertEquals(4, eight.largestWorld(7));
        assertEquals(0, eight.largestWorld(3));
        assertEquals(4, eight.desiredAfterLosses(1));

        CoordinatorSettings twelve = meshSettings(12, 4, 12, 4);
        assertEquals(8, twelve.desiredAfterLosses(1));
        assertEquals(8, twelve.desiredAfterLosses(4));
        assertEquals(4, twelve.desiredAfterLosses(5));
        assertEquals(4, twelve.desiredAfterLosses(11), "never below minWorkers");

        CoordinatorSettings fixed = meshSettings(8, 8, 8, 4);
        assertEquals(8, fixed.desiredAfterLosses(1), "minWorkers 8: the job waits for a replacement");

        CoordinatorSettings dataParallel = meshSettings(4, 2, 6, 1);
        assertEquals(3, dataParallel.desiredAfterLosses(1));
        assertEquals(5, dataParallel.largestWorld(5));
        assertEquals(6, dataParallel.largestWorld(9));
    }

    @Test
    void workerSettingsNameABadCoordinatorAddress() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WorkerSettings("w0",
                "127.0.0.1", 0, "pekko://spindle@127.0.0.1:2552", SECRET, Path.of("tls"), "127.0.0.1:4000"));

        assertTrue(e.getMessage().contains("coordinatorAddress must be host:port"), e.getMessage());
    }

    @Test
    void assignmentNeedsOnePeerPerRank() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Assignment(1, 0, 2, List.of("127.0.0.1:1"), -1, null));

        assertTrue(e.getMessage().contains("one address per rank (2), got 1"), e.getMessage());
    }

    @Test
    void stragglerMedianLeavesTheRankOut() {
        assertEquals(20.0, StepProgress.medianOfOthers(new double[] {20, 120}, 1));
        assertEquals(25.0, StepProgress.medianOfOthers(new double[] {20, 30, 500}, 2));
        assertTrue(StragglerPolicy.DEFAULT.slow(120, 20));
        assertTrue(!StragglerPolicy.DEFAULT.slow(30, 20));
    }
}

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

package dev.spindle.launcher.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusReportTest {

    @Test
    void readsEveryFieldTheCoordinatorWrites() {
        StatusReport r = StatusReport.parse("""
                {"phase": "Running", "generation": 2, "worldSize": 4, "desiredWorkers": 4, "step": 120,
                 "totalSteps": 600, "loss": 2.31, "checkpointStep": 100, "message": "regrouped",
                 "ranks": {"1": "j-worker-b", "0": "j-worker-a"}, "updated": "2026-11-30T04:00:00Z"}""");
        assertEquals("Running", r.phase());
        assertEquals(2, r.generation());
        assertEquals(4, r.worldSize());
        assertEquals(120, r.step());
        assertEquals(600, r.totalSteps());
        assertEquals(2.31, r.loss(), 0.0);
        assertEquals(100, r.checkpointStep());
        assertEquals("regrouped", r.message());
        assertEquals(Optional.of("j-worker-b"), r.podOfRank(1));
        assertEquals(Optional.empty(), r.podOfRank(2));
        assertTrue(r.reported());
    }

    @Test
    void theLaunchersEmptyObjectMeansNothingReported() {
        StatusReport r = StatusReport.parse("{}");
        assertFalse(r.reported());
        assertTrue(Double.isNaN(r.loss()));
        assertEquals(-1, r.checkpointStep());
        assertEquals(StatusReport.EMPTY, r);
    }

    @Test
    void refusesTextThatIsNotAJsonObject() {
        KubeException e = assertThrows(KubeException.class, () -> StatusReport.parse("[1, 2]"));
        assertTrue(e.getMessage().startsWith("status.json is not a JSON object"), e.getMessage());
        assertThrows(KubeException.class, () -> StatusReport.parse("{\"ranks\": {\"zero\": \"p\"}}"));
    }
}

package dev.spindle.launcher.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class JobEventTest {

    private static JobStatus status(JobPhase phase, StatusReport report, PodState... pods) {
        return new JobStatus("j", "ns", phase, "", 2, List.of(pods), report);
    }

    private static List<String> lines(JobStatus before, JobStatus after) {
        return JobEvent.between(before, after).stream().map(JobEvent::line).toList();
    }

    @Test
    void tellsPodsTheGangProgressAndTheEndInOrder() {
        JobStatus created = status(JobPhase.PENDING, StatusReport.EMPTY, new PodState("w-a", "worker", "", "Pending", ""));
        assertEquals(List.of("worker pod w-a created", "job Pending"), lines(null, created));

        JobStatus running = status(JobPhase.RUNNING,
                StatusReport.parse("{\"phase\": \"Running\", \"generation\": 1, \"worldSize\": 2, \"step\": 5,"
                        + " \"totalSteps\": 40, \"loss\": 3.25}"),
                new PodState("w-a", "worker", "n1", "Running", ""));
        assertEquals(List.of("worker pod w-a scheduled on n1", "worker pod w-a Running",
                "cluster formed: generation 1 with 2 worker(s)", "step 5/40, loss 3.2500", "job Running"),
                lines(created, running));

        assertEquals(List.of(), lines(running, running), "nothing changed, nothing to tell");

        JobStatus failed = new JobStatus("j", "ns", JobPhase.FAILED, "Kubernetes Job j-worker failed", 2,
                List.of(new PodState("w-a", "worker", "n1", "Failed", "Error, exit code 1")),
                StatusReport.parse("{\"phase\": \"Running\", \"generation\": 1, \"worldSize\": 2, \"step\": 5,"
                        + " \"totalSteps\": 40, \"loss\": 3.25, \"checkpointStep\": 5}"));
        assertEquals(List.of("worker pod w-a Failed (Error, exit code 1)", "checkpoint committed at step 5",
                "job Failed: Kubernetes Job j-worker failed"), lines(running, failed));
    }

    @Test
    void aNewGenerationIsANewGang() {
        JobStatus first = status(JobPhase.RUNNING, StatusReport.parse(
                "{\"phase\": \"Running\", \"generation\": 1, \"worldSize\": 2, \"step\": 7}"));
        JobStatus second = status(JobPhase.RUNNING, StatusReport.parse(
                "{\"phase\": \"Running\", \"generation\": 2, \"worldSize\": 1, \"step\": 7}"));
        assertEquals(List.of("cluster formed: generation 2 with 1 worker(s)"), lines(first, second));
    }
}

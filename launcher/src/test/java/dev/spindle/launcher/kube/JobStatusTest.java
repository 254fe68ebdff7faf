package dev.spindle.launcher.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobStatusTest {

    private static final StatusReport RUNNING = StatusReport.parse(
            "{\"phase\": \"Running\", \"generation\": 1, \"worldSize\": 2, \"step\": 10, \"totalSteps\": 40, \"loss\": 3.5}");

    static Pod pod(String name, String component, String node, String phase) {
        return new PodBuilder().withNewMetadata().withName(name).addToLabels("app.kubernetes.io/component", component)
                .endMetadata().withNewSpec().withNodeName(node).endSpec()
                .withNewStatus().withPhase(phase).endStatus().build();
    }

    static Job job(String name, int parallelism, String condition) {
        JobBuilder b = new JobBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withParallelism(parallelism).endSpec();
        if (condition != null) {
            b.withNewStatus().addNewCondition().withType(condition).withStatus("True").withReason("BackoffLimitExceeded")
                    .withMessage("Job has reached the specified backoff limit").endCondition().endStatus();
        }
        return b.build();
    }

    @Test
    void pendingUntilTheCoordinatorReports() {
        JobStatus s = JobStatus.of("j", "ns", false, job("j-coordinator", 1, null), job("j-worker", 2, null),
                List.of(pod("j-worker-a", "worker", null, "Pending"), pod("j-coordinator-x", "coordinator", "n1", "Running")),
                StatusReport.EMPTY);
        assertEquals(JobPhase.PENDING, s.phase());
        assertEquals(2, s.desiredWorkers());
        assertEquals("j-coordinator-x", s.pods().get(0).name(), "the coordinator is listed first");
        assertEquals(0, s.runningWorkers());
    }

    @Test
    void theCoordinatorsReportGivesFormingAndRunning() {
        List<Pod> pods = List.of(pod("j-worker-a", "worker", "n1", "Running"), pod("j-worker-b", "worker", "n1", "Running"));
        assertEquals(JobPhase.RUNNING, JobStatus.of("j", "ns", false, null, job("j-worker", 2, null), pods, RUNNING).phase());
        assertEquals(JobPhase.FORMING, JobStatus.of("j", "ns", false, null, job("j-worker", 2, null), pods,
                StatusReport.parse("{\"phase\": \"Forming\"}")).phase());
        assertTrue(JobStatus.of("j", "ns", false, null, job("j-worker", 2, null), pods, RUNNING).summary()
                .contains("workers 2/2  step 10/40  loss 3.5000"));
    }

    @Test
    void aFailedWorkerIsReportedWhileTheJobRunsOn() {
        Pod failed = new PodBuilder(pod("j-worker-b", "worker", "n1", "Failed")).editStatus().addNewContainerStatus()
                .withName("worker").withNewState().withNewTerminated().withExitCode(137).withReason("OOMKilled")
                .endTerminated().endState().endContainerStatus().endStatus().build();
        JobStatus s = JobStatus.of("j", "ns", false, null, job("j-worker", 2, null),
                List.of(pod("j-worker-a", "worker", "n1", "Running"), failed), RUNNING);
        assertEquals(JobPhase.RUNNING, s.phase());
        assertEquals(1, s.failedWorkers().size());
        assertEquals("OOMKilled, exit code 137", s.failedWorkers().get(0).reason());
        assertTrue(s.describe().contains("worker pod j-worker-b failed: OOMKilled, exit code 137"), s.describe().toString());
        assertTrue(s.summary().endsWith("1 worker pod(s) failed"), s.summary());
    }

    @Test
    void anEndedKubernetesJobEndsTheSpindleJob() {
        JobStatus workersGaveUp = JobStatus.of("j", "ns", false, job("j-coordinator", 1, null),
                job("j-worker", 2, "Failed"), List.of(), RUNNING);
        assertEquals(JobPhase.FAILED, workersGaveUp.phase());
        assertEquals("Kubernetes Job j-worker failed: BackoffLimitExceeded, Job has reached the specified backoff limit",
                workersGaveUp.message());
        assertEquals(JobPhase.SUCCEEDED, JobStatus.of("j", "ns", false, job("j-coordinator", 1, "Complete"),
                job("j-worker", 2, null), List.of(), RUNNING).phase());
        assertEquals(JobPhase.FAILED, JobStatus.of("j", "ns", false, null, null, List.of(),
                StatusReport.parse("{\"phase\": \"Failed\", \"message\": \"below minWorkers\"}")).phase());
    }

    @Test
    void aRootBeingDeletedMeansDeleting() {
        assertEquals(JobPhase.DELETING, JobStatus.of("j", "ns", true, job("j-coordinator", 1, "Complete"), null,
                List.of(), RUNNING).phase());
        assertTrue(JobPhase.RUNNING.active());
        assertTrue(!JobPhase.DELETING.active() && !JobPhase.FAILED.active());
    }
}

package dev.spindle.cluster.control;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.cluster.security.JobSecret;
import dev.spindle.cluster.security.TlsMaterial;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Artery's mutual TLS with the per-job certificate admits only nodes of the job. */
class AdmissionIT {

    @TempDir
    Path dir;

    @Test
    void aNodeWithAnotherJobsSecretCannotJoin() throws Exception {
        try (JobCluster job = new JobCluster(dir)) {
            job.start(1, 1, 1, Duration.ofSeconds(30), 1_000_000, 1000);
            JobSecret other = JobSecret.generate();
            Path otherTls = dir.resolve("other-tls");
            TlsMaterial.create(other, otherTls);
            try (WorkerNode intruder = WorkerNode.join(new WorkerSettings("intruder", "127.0.0.1", 0,
                    job.coordinator.seedAddress(), other, otherTls, "127.0.0.1:1"), JobCluster.FAST)) {
                // The intruder tries first; a legitimate worker joining after it proves the cluster was open.
                JobCluster.Loop good = job.worker("w0", 1_000_000, 1000, 50, JobCluster.FAST);
                JobCluster.await("the job's worker is assigned", () -> !good.assignments.isEmpty());

                assertTrue(job.coordinator.members().contains(good.node.address()), job.coordinator.members().toString());
                assertFalse(job.coordinator.members().contains(intruder.address()), job.coordinator.members().toString());
                assertFalse(job.events("worker-registered").stream()
                        .anyMatch(e -> e.get("workerId").asText().equals("intruder")));
            }
        }
    }
}

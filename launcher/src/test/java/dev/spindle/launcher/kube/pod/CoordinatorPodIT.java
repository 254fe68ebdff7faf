package dev.spindle.launcher.kube.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.cluster.security.JobSecret;
import dev.spindle.cluster.security.TlsMaterial;
import dev.spindle.launcher.RunSummary;
import dev.spindle.launcher.TestJobs;
import dev.spindle.launcher.local.JavaProcess;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job run the way its pods run it, on loopback: the coordinator pod's program in this JVM, publishing to a
 * status ConfigMap (fabric8's mock server), and two worker JVMs started with the worker pod's arguments: each
 * with its own run directory (a pod's emptyDir), the secret and TLS store from one "mounted" cluster folder, and
 * the coordinator given by a DNS name ({@code localhost}) that each worker resolves before it joins.
 */
@EnableKubernetesMockClient(crud = true)
class CoordinatorPodIT {

    KubernetesClient client;

    @TempDir
    Path dir;

    private final List<Process> workers = new ArrayList<>();

    @AfterEach
    void stopWorkers() {
        workers.forEach(Process::destroyForcibly);
    }

    @Test
    void twoWorkerPodsTrainTheJobToItsEndAndTheStatusSaysSo() throws Exception {
        TestJobs.textDataset(dir);
        Path job = TestJobs.tinyGptJob(dir, "");
        Files.writeString(job, "    uri: " + dir.resolve("checkpoints") + "\n  parallelism:\n    data: 2\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Path cluster = Files.createDirectories(dir.resolve("cluster"));
        JobSecret secret = JobSecret.generate();
        secret.write(cluster.resolve(CoordinatorPod.SECRET_FILE));
        TlsMaterial.create(secret, cluster);
        client.configMaps().inNamespace("ml").resource(new ConfigMapBuilder().withNewMetadata().withName("tiny-status")
                .endMetadata().addToData(JobStatus.KEY, "{}").build()).create();
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        CoordinateOptions options = new CoordinateOptions(job, cluster, dir.resolve("coordinator-run"), null,
                "127.0.0.1", port, Optional.of(new CoordinateOptions.StatusTarget("ml", "tiny-status")), false);
        StringWriter err = new StringWriter();
        StatusPublisher publisher = StatusPublisher.toConfigMap(client, "ml", "tiny-status", new PrintWriter(err, true));
        CompletableFuture<RunSummary> coordinator = CompletableFuture.supplyAsync(() -> {
            try {
                return CoordinatorPod.run(options, spec -> List.of(), Optional.of(publisher), new PrintWriter(err, true));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Set<String> pods = new TreeSet<>(List.of("tiny-worker-4xk2p", "tiny-worker-9qz7m"));
        for (String pod : pods) {
            workers.add(startWorker(pod, job, cluster, port));
        }
        RunSummary summary;
        try {
            summary = coordinator.get(5, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new AssertionError("the job did not finish: " + e + "\n" + logs(pods) + "\n" + err, e);
        }
        assertEquals(16, summary.result().finalStep());
        for (Process w : workers) {
            assertTrue(w.waitFor(60, TimeUnit.SECONDS), "a worker did not exit after the job ended");
            assertEquals(0, w.exitValue(), logs(pods));
        }
        JsonNode status = new ObjectMapper().readTree(client.configMaps().inNamespace("ml").withName("tiny-status")
                .get().getData().get(JobStatus.KEY));
        assertEquals("Succeeded", status.path("phase").asText(), status.toString());
        assertEquals(16, status.path("step").asLong(), status.toString());
        assertEquals(16, status.path("totalSteps").asLong());
        assertEquals(16, status.path("checkpointStep").asLong(), status.toString());
        assertEquals(2, status.path("worldSize").asInt());
        assertTrue(status.path("generation").asLong() >= 1);
        assertTrue(Double.isFinite(status.path("loss").asDouble(Double.NaN)), status.toString());
        Set<String> ranked = new TreeSet<>();
        status.path("ranks").forEach(n -> ranked.add(n.asText()));
        assertEquals(pods, ranked, "ranks name the worker pods: " + status);
        assertTrue(err.toString().isEmpty(), "no status write failed: " + err);
    }

    /** A worker JVM with the worker pod's arguments ({@code spindle worker ...} runs exactly this main). */
    private Process startWorker(String pod, Path job, Path cluster, int port) throws Exception {
        Path runDir = Files.createDirectories(dir.resolve(pod));
        JavaProcess java = JavaProcess.builder("dev.spindle.cluster.worker.WorkerMain").threads(1)
                .args("--worker-id", pod, "--coordinator", "localhost:" + port, "--job", job.toString(),
                        "--base-dir", job.getParent().toString(), "--run-dir", runDir.toString(),
                        "--secret-file", cluster.resolve(CoordinatorPod.SECRET_FILE).toString(),
                        "--tls-dir", cluster.toString(), "--host", "127.0.0.1", "--port", "0", "--data-port", "0")
                .build();
        ProcessBuilder builder = new ProcessBuilder(java.command()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(pod + ".log").toFile());
        builder.environment().putAll(java.environment());
        return builder.start();
    }

    private String logs(Set<String> pods) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String pod : pods) {
            Path log = dir.resolve(pod + ".log");
            out.append("--- ").append(pod).append('\n').append(Files.exists(log) ? Files.readString(log) : "(none)");
        }
        return out.toString();
    }
}

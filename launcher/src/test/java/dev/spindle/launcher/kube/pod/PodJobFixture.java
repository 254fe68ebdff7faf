package dev.spindle.launcher.kube.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.cluster.security.JobSecret;
import dev.spindle.cluster.security.TlsMaterial;
import dev.spindle.launcher.RunSummary;
import dev.spindle.launcher.TestJobs;
import dev.spindle.launcher.kube.StatusReport;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
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

/**
 * A two-worker job set up as its pods see it, on loopback: the job file (with a shared checkpoint folder), the
 * "mounted" cluster folder with the job's secret and TLS store, a status ConfigMap, and the coordinator pod's
 * program running in this JVM. Tests start the workers their way (JVMs, containers) with {@link #workerArgs}.
 */
final class PodJobFixture implements AutoCloseable {

    /** The worker pods' names; the status's {@code ranks} must name exactly these. */
    static final Set<String> PODS = new TreeSet<>(List.of("tiny-worker-4xk2p", "tiny-worker-9qz7m"));

    final Path dir;
    final Path job;
    final Path cluster;
    final int port;
    private final KubernetesClient client;
    private final StringWriter err = new StringWriter();
    private final List<Process> workers = new ArrayList<>();
    private CompletableFuture<RunSummary> coordinator;

    PodJobFixture(Path dir, KubernetesClient client) throws Exception {
        this.dir = dir;
        this.client = client;
        TestJobs.textDataset(dir);
        this.job = TestJobs.tinyGptJob(dir, "");
        Files.writeString(job, "    uri: " + dir.resolve("checkpoints") + "\n  parallelism:\n    data: 2\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        this.cluster = Files.createDirectories(dir.resolve("cluster"));
        JobSecret secret = JobSecret.generate();
        secret.write(cluster.resolve(CoordinatorPod.SECRET_FILE));
        TlsMaterial.create(secret, cluster);
        client.configMaps().inNamespace("ml").resource(new ConfigMapBuilder().withNewMetadata().withName("tiny-status")
                .endMetadata().addToData(StatusReport.KEY, "{}").build()).create();
        try (ServerSocket free = new ServerSocket(0)) {
            this.port = free.getLocalPort();
        }
    }

    /** Starts the coordinator pod's program in this JVM, publishing to the status ConfigMap. */
    void startCoordinator() {
        CoordinateOptions options = new CoordinateOptions(job, cluster, dir.resolve("coordinator-run"), null,
                "127.0.0.1", port, Optional.of(new CoordinateOptions.StatusTarget("ml", "tiny-status")), false);
        StatusPublisher publisher = StatusPublisher.toConfigMap(client, "ml", "tiny-status", new PrintWriter(err, true));
        coordinator = CompletableFuture.supplyAsync(() -> {
            try {
                return CoordinatorPod.run(options, spec -> List.of(), Optional.of(publisher), new PrintWriter(err, true));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /**
     * The worker pod's arguments for {@code pod}, its run directory its own (a pod's emptyDir) and the coordinator
     * named {@code localhost}, a DNS name the worker must resolve to an IP before it joins.
     */
    List<String> workerArgs(String pod) throws Exception {
        Path runDir = Files.createDirectories(dir.resolve(pod));
        return List.of("--worker-id", pod, "--coordinator", "localhost:" + port, "--job", job.toString(),
                "--base-dir", job.getParent().toString(), "--run-dir", runDir.toString(),
                "--secret-file", cluster.resolve(CoordinatorPod.SECRET_FILE).toString(),
                "--tls-dir", cluster.toString(), "--host", "127.0.0.1", "--port", "0", "--data-port", "0");
    }

    /** Starts {@code command} with its output in {@code dir/<pod>.log}; {@link #close()} kills it. */
    Process start(String pod, List<String> command, java.util.Map<String, String> environment) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(pod + ".log").toFile());
        builder.environment().putAll(environment);
        Process p = builder.start();
        workers.add(p);
        return p;
    }

    /** Waits for the job's end and checks the summary, the workers' exits and the final status. */
    void assertTrainedToTheEnd(int minutes) throws Exception {
        RunSummary summary;
        try {
            summary = coordinator.get(minutes, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new AssertionError("the job did not finish: " + e + "\n" + logs() + "\n" + err, e);
        }
        assertEquals(16, summary.result().finalStep());
        for (Process w : workers) {
            assertTrue(w.waitFor(90, TimeUnit.SECONDS), "a worker did not exit after the job ended\n" + logs());
            assertEquals(0, w.exitValue(), logs());
        }
        JsonNode status = new ObjectMapper().readTree(client.configMaps().inNamespace("ml").withName("tiny-status")
                .get().getData().get(StatusReport.KEY));
        assertEquals("Succeeded", status.path("phase").asText(), status.toString());
        assertEquals(16, status.path("step").asLong(), status.toString());
        assertEquals(16, status.path("totalSteps").asLong());
        assertEquals(16, status.path("checkpointStep").asLong(), status.toString());
        assertEquals(2, status.path("worldSize").asInt());
        assertTrue(status.path("generation").asLong() >= 1);
        assertTrue(Double.isFinite(status.path("loss").asDouble(Double.NaN)), status.toString());
        Set<String> ranked = new TreeSet<>();
        status.path("ranks").forEach(n -> ranked.add(n.asText()));
        assertEquals(PODS, ranked, "ranks name the worker pods: " + status);
        assertTrue(err.toString().isEmpty(), "no status write failed: " + err);
    }

    String logs() throws Exception {
        StringBuilder out = new StringBuilder();
        for (String pod : PODS) {
            Path log = dir.resolve(pod + ".log");
            out.append("--- ").append(pod).append('\n').append(Files.exists(log) ? Files.readString(log) : "(none)");
        }
        return out.toString();
    }

    @Override
    public void close() {
        workers.forEach(Process::destroyForcibly);
    }
}

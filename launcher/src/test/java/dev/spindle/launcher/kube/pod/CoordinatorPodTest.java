package dev.spindle.launcher.kube.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.cluster.security.JobSecret;
import dev.spindle.cluster.security.TlsMaterial;
import dev.spindle.launcher.JobException;
import dev.spindle.launcher.TestJobs;
import dev.spindle.launcher.kube.StatusReport;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The coordinator pod's program on input it cannot use: one clear error, and the status says Failed. */
@EnableKubernetesMockClient(crud = true)
class CoordinatorPodTest {

    KubernetesClient client;

    @TempDir
    Path dir;

    private Path clusterDir(JobSecret secret) throws Exception {
        Path cluster = Files.createDirectories(dir.resolve("cluster"));
        secret.write(cluster.resolve(CoordinatorPod.SECRET_FILE));
        TlsMaterial.create(secret, cluster);
        return cluster;
    }

    private CoordinateOptions options(Path job, Path cluster) {
        return new CoordinateOptions(job, cluster, dir.resolve("run"), null, "127.0.0.1", 25520,
                Optional.of(new CoordinateOptions.StatusTarget("ml", "tiny-status")), false);
    }

    private Exception runExpectingFailure(CoordinateOptions options) {
        client.configMaps().inNamespace("ml").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("tiny-status").endMetadata().addToData(StatusReport.KEY, "{}").build()).create();
        StatusPublisher publisher = StatusPublisher.toConfigMap(client, "ml", "tiny-status",
                new PrintWriter(new StringWriter()));
        return assertThrows(Exception.class, () -> CoordinatorPod.run(options, job -> List.of(), Optional.of(publisher),
                new PrintWriter(new StringWriter())));
    }

    private JsonNode status() throws Exception {
        return new ObjectMapper().readTree(client.configMaps().inNamespace("ml").withName("tiny-status").get()
                .getData().get(StatusReport.KEY));
    }

    @Test
    void aJobWithoutCheckpointUriIsRefusedAndTheStatusSaysWhy() throws Exception {
        TestJobs.textDataset(dir);
        Path job = TestJobs.tinyGptJob(dir, "");
        Exception e = runExpectingFailure(options(job, clusterDir(JobSecret.generate())));
        assertTrue(e instanceof JobException, e.toString());
        assertTrue(e.getMessage().startsWith("spec.checkpoint.uri: missing"), e.getMessage());
        JsonNode status = status();
        assertEquals("Failed", status.path("phase").asText());
        assertTrue(status.path("message").asText().startsWith("spec.checkpoint.uri: missing"), status.toString());
        assertTrue(Files.notExists(dir.resolve("run")), "nothing was written");
    }

    @Test
    void aClusterDirWithoutTheSecretNamesWhatToMount() throws Exception {
        Path job = jobWithCheckpointUri();
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Exception e = runExpectingFailure(options(job, empty));
        assertTrue(e instanceof JobException, e.toString());
        assertTrue(e.getMessage().contains("no job.secret there; mount the job's Secret"), e.getMessage());
        assertEquals("Failed", status().path("phase").asText());
    }

    @Test
    void aSecretThatDoesNotOpenTheTlsStoreIsRefused() throws Exception {
        Path job = jobWithCheckpointUri();
        Path cluster = clusterDir(JobSecret.generate());
        JobSecret.generate().write(cluster.resolve("other.secret"));
        Files.move(cluster.resolve("other.secret"), cluster.resolve(CoordinatorPod.SECRET_FILE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Exception e = runExpectingFailure(options(job, cluster));
        assertTrue(e.getMessage().contains("the job secret does not open the TLS store"), e.getMessage());
    }

    @Test
    void aMissingJobFileIsOneLine() throws Exception {
        Exception e = runExpectingFailure(options(dir.resolve("nope.yaml"), clusterDir(JobSecret.generate())));
        assertTrue(e instanceof JobException, e.toString());
        assertTrue(e.getMessage().contains("nope.yaml does not exist"), e.getMessage());
        assertEquals("Failed", status().path("phase").asText());
    }

    @Test
    void optionsNameEveryMissingFlag() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CoordinateOptions(null,
                null, null, null, "", 0, Optional.of(new CoordinateOptions.StatusTarget("ML", "x_y")), false));
        for (String flag : List.of("--job", "--cluster-dir", "--run-dir", "--host", "--port", "--namespace",
                "--status-configmap")) {
            assertTrue(e.getMessage().matches("(?s)(.*; )?" + flag + "[ :].*"), flag + " in: " + e.getMessage());
        }
    }

    private Path jobWithCheckpointUri() throws Exception {
        TestJobs.textDataset(dir);
        Path job = TestJobs.tinyGptJob(dir, "");
        Files.writeString(job, "    uri: " + dir.resolve("checkpoints") + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
        return job;
    }
}

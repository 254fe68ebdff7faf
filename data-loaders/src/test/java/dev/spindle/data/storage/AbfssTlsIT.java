package dev.spindle.data.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code abfss://} (TLS) against the second Azurite that {@code .ci/run} starts on 127.0.0.1:10001 with a
 * self-signed certificate; the failsafe configuration gives this JVM a trust store holding it.
 */
class AbfssTlsIT {

    private static final int TLS_PORT = 10001;

    @BeforeEach
    void azuriteWithTls() {
        String trustStore = System.getProperty("javax.net.ssl.trustStore");
        if (trustStore == null || !Files.isRegularFile(Path.of(trustStore))) {
            fail("no trust store with Azurite's certificate at " + trustStore + ": run the tests through .ci/run,"
                    + " which makes it (~/.cache/spindle/azurite-tls) and starts Azurite with TLS");
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(Azurite.HOST, TLS_PORT), 2000);
        } catch (IOException e) {
            fail("Azurite with TLS is not listening on " + Azurite.HOST + ":" + TLS_PORT + " (" + e.getMessage()
                    + "): run the tests through .ci/run, which starts it");
        }
    }

    @Test
    void checkpointsRoundTripOverTls() throws Exception {
        String container = "abfss://tls-" + UUID.randomUUID().toString().substring(0, 8) + "@" + Azurite.ACCOUNT
                + ".dfs.core.windows.net/";
        Map<String, String> env = Azurite.environment(Azurite.HOST + ":" + TLS_PORT);
        env.put(StorageSettings.HTTPS, "true");
        try (FileSystem fs = Azurite.fileSystem(container, env)) {
            assertEquals("abfss", fs.getUri().getScheme());
            HadoopCheckpointStorage storage = new HadoopCheckpointStorage(fs);
            Path file = Path.of("/run/step-00000001/state.json");
            byte[] content = "{\"step\":1}".getBytes(StandardCharsets.UTF_8);
            storage.createDirectories(file.getParent());
            storage.createExclusive(file, content);
            assertArrayEquals(content, storage.readAllBytes(file));
            assertEquals(java.util.List.of(Path.of("/run/step-00000001")), storage.list(Path.of("/run")));
            assertEquals(container + "run/step-00000001/state.json", storage.describe(file));
        }
    }
}

package dev.spindle.data.storage;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;

/**
 * The Azurite blob emulator that {@code .ci/run} starts on 127.0.0.1:10000, as the integration tests reach
 * it. Its account and key are Azurite's published development credentials, not a secret.
 */
public final class Azurite {

    public static final String HOST = "127.0.0.1";
    public static final int PORT = 10000;
    public static final String ACCOUNT = "devstoreaccount1";
    /** Azurite's well-known development key (documented by Microsoft; it opens nothing else). */
    public static final String KEY =
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Azurite() {}

    /** Fails the test (never skips it) when Azurite is not listening. */
    public static void require() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, PORT), 2000);
        } catch (IOException e) {
            fail("Azurite is not listening on " + HOST + ":" + PORT + " (" + e.getMessage() + "): run the tests"
                    + " through .ci/run, which installs it from package.json and starts it, or start"
                    + " node_modules/.bin/azurite-blob --blobHost 127.0.0.1 --blobPort 10000 --inMemoryPersistence");
        }
    }

    /** A fresh container's root URI, so tests never see each other's files. */
    public static String newContainer(String prefix) {
        return "abfs://" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "@" + ACCOUNT
                + ".dfs.core.windows.net/";
    }

    /** The environment that points Spindle at {@code endpoint} (Azurite itself, or a proxy before it). */
    public static Map<String, String> environment(String endpoint) {
        Map<String, String> env = new HashMap<>();
        env.put(StorageSettings.ENDPOINT, endpoint);
        env.put(StorageSettings.HTTPS, "false");
        env.put(AzureCredentials.STORAGE_KEY, KEY);
        return env;
    }

    /** A new (uncached) file system for {@code uri} configured from {@code env}; the caller closes it. */
    public static FileSystem fileSystem(String uri, Map<String, String> env) throws IOException {
        return FileSystem.newInstance(URI.create(uri), StorageSettings.from(Environment.of(env)).configuration());
    }

    /** Copies a local folder to {@code uri} on Azurite, directly (no proxy). */
    public static void upload(java.nio.file.Path local, String uri) throws IOException {
        try (FileSystem fs = fileSystem(uri, environment(HOST + ":" + PORT))) {
            fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()),
                    new org.apache.hadoop.fs.Path(URI.create(uri)));
        }
    }
}

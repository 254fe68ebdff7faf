package dev.spindle.peft.image;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Credentials are used, never shown: not in messages, causes or stack traces. */
class RegistryCredentialsTest {

    private static final String SECRET = "s3cr3t-Pa55word-never-printed";

    @TempDir
    Path tmp;

    @Test
    void failedPushWithEnvironmentCredentialsDoesNotShowThem() throws Exception {
        Path adapter = TestAdapters.write(tmp.resolve("a"), 1, 4, TestAdapters.metadata(null, 1.5));
        AdapterImages images = AdapterImages.client(Map.of(
                RegistryCredentials.USERNAME_VAR, "spindle-bot", RegistryCredentials.PASSWORD_VAR, SECRET));
        // Port 9 on loopback: nothing listens, so the push fails after the credentials were set up.
        AdapterImageException e = assertThrows(AdapterImageException.class,
                () -> images.push(adapter, ImageRef.parse("127.0.0.1:9/adapters/chat:v1"), false));
        assertSecretAbsent(e);
        assertTrue(e.getMessage().contains("nothing answers at 127.0.0.1:9"), e.getMessage());
    }

    @Test
    void failedPushWithDockerConfigCredentialsDoesNotShowThem() throws Exception {
        Path adapter = TestAdapters.write(tmp.resolve("a"), 1, 4, TestAdapters.metadata(null, 1.5));
        Path dockerDir = Files.createDirectories(tmp.resolve("docker"));
        String auth = Base64.getEncoder().encodeToString(("spindle-bot:" + SECRET).getBytes());
        Files.writeString(dockerDir.resolve("config.json"), "{\"auths\":{\"127.0.0.1:9\":{\"auth\":\"" + auth + "\"}}}");
        AdapterImages images = AdapterImages.client(Map.of(RegistryCredentials.DOCKER_CONFIG_VAR, dockerDir.toString()));
        AdapterImageException e = assertThrows(AdapterImageException.class,
                () -> images.push(adapter, ImageRef.parse("127.0.0.1:9/adapters/chat:v1"), false));
        assertSecretAbsent(e);
    }

    @Test
    void halfSetCredentialsNameTheMissingVariableNotTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegistryCredentials.resolve(Map.of(RegistryCredentials.PASSWORD_VAR, SECRET), tmp));
        assertTrue(e.getMessage().contains(RegistryCredentials.USERNAME_VAR), e.getMessage());
        assertSecretAbsent(e);
    }

    private static void assertSecretAbsent(Throwable e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        String encoded = Base64.getEncoder().encodeToString(("spindle-bot:" + SECRET).getBytes());
        assertFalse(trace.toString().contains(SECRET), trace.toString());
        assertFalse(trace.toString().contains(encoded), trace.toString());
    }
}

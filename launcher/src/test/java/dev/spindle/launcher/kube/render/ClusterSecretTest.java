package dev.spindle.launcher.kube.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.spindle.cluster.security.JobSecret;
import dev.spindle.cluster.security.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ClusterSecret}: what a pod finds in /etc/spindle/cluster opens, and nothing of it is printed. */
class ClusterSecretTest {

    @TempDir
    Path dir;

    @Test
    void generatedStoreOpensWithTheGeneratedSecretAsThePodsReadThem() throws IOException {
        ClusterSecret secret = ClusterSecret.generate();
        secret.write(dir);
        assertArrayEquals(secret.jobSecret(), Files.readAllBytes(dir.resolve(JobNames.KEY_SECRET)));
        assertArrayEquals(secret.tlsStore(), Files.readAllBytes(dir.resolve(TlsMaterial.STORE_FILE)));
        TlsMaterial.open(JobSecret.read(dir.resolve(JobNames.KEY_SECRET)), dir);
    }

    @Test
    void everyJobGetsItsOwnSecretAndNoneIsPrinted() {
        ClusterSecret a = ClusterSecret.generate();
        ClusterSecret b = ClusterSecret.generate();
        assertNotEquals(a, b);
        assertEquals(a, new ClusterSecret(a.jobSecret(), a.tlsStore()));
        assertEquals("ClusterSecret[redacted]", a.toString());
        byte[] mine = a.jobSecret();
        mine[0] ^= 1;
        assertNotEquals(mine[0], a.jobSecret()[0], "callers get copies");
    }
}

package dev.spindle.cluster.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobSecretTest {

    @TempDir
    Path dir;

    @Test
    void aWrittenSecretReadsBackAndOnlyItsOwnerCanReadTheFile() throws Exception {
        JobSecret secret = JobSecret.generate();
        Path file = dir.resolve("job.secret");
        secret.write(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        JobSecret read = JobSecret.read(file);
        byte[] challenge = "challenge".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(secret.hmac("dataplane", challenge), read.hmac("dataplane", challenge));
        assertEquals("JobSecret[redacted]", read.toString());
    }

    @Test
    void keysForDifferentPurposesAndDifferentSecretsDiffer() {
        JobSecret a = JobSecret.generate();
        JobSecret b = JobSecret.generate();
        assertFalse(JobSecret.sameMac(a.derive("tls-store"), a.derive("dataplane")));
        assertFalse(JobSecret.sameMac(a.hmac("dataplane", new byte[] {1}), b.hmac("dataplane", new byte[] {1})));
        assertTrue(JobSecret.sameMac(a.hmac("dataplane", new byte[] {1}), a.hmac("dataplane", new byte[] {1})));
        assertEquals(64, a.password("tls-store").length);
    }

    @Test
    void aDamagedSecretFileIsNamed() throws Exception {
        Path file = dir.resolve("job.secret");
        Files.writeString(file, "not hex at all");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobSecret.read(file));
        assertTrue(e.getMessage().startsWith("job secret file " + file + ": a job secret is 64 hexadecimal digits"),
                e.getMessage());
        Files.writeString(file, "zz".repeat(32));
        e = assertThrows(IllegalArgumentException.class, () -> JobSecret.read(file));
        assertTrue(e.getMessage().contains("holds other characters"), e.getMessage());
    }
}

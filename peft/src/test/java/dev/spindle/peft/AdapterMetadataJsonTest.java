package dev.spindle.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterMetadataJsonTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsEveryField() {
        AdapterMetadata m = new AdapterMetadata("sha256:aa", "sha256:dd", "sha256:55",
                Map.of("loss", 1.25, "evalLoss", 1.5), "v1", Instant.parse("2026-11-29T12:00:00Z"));
        AdapterMetadataJson.write(dir, m);
        assertEquals(m, AdapterMetadataJson.read(dir));
    }

    @Test
    void roundTripsAbsentOptionalFields() {
        AdapterMetadata m = new AdapterMetadata("sha256:aa", null, "sha256:55", Map.of(), null, Instant.EPOCH);
        AdapterMetadataJson.write(dir, m);
        assertEquals(m, AdapterMetadataJson.read(dir));
    }

    @Test
    void sameMetadataGivesSameBytes() throws Exception {
        AdapterMetadata m = new AdapterMetadata("sha256:aa", null, "sha256:55",
                Map.of("b", 2.0, "a", 1.0), null, Instant.EPOCH);
        AdapterMetadataJson.write(dir, m);
        byte[] first = Files.readAllBytes(dir.resolve(AdapterMetadata.FILE_NAME));
        AdapterMetadataJson.write(dir, m);
        assertEquals(new String(first), Files.readString(dir.resolve(AdapterMetadata.FILE_NAME)));
        assertTrue(new String(first).indexOf("\"a\"") < new String(first).indexOf("\"b\""), "metrics sorted");
    }

    @Test
    void missingFileNamesTheDirectory() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdapterMetadataJson.read(dir));
        assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains(AdapterMetadata.FILE_NAME),
                e.getMessage());
    }

    @Test
    void refusesUnknownFormatVersion() throws Exception {
        Files.writeString(dir.resolve(AdapterMetadata.FILE_NAME), "{\"formatVersion\": 9, \"baseModelDigest\": \"x\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdapterMetadataJson.read(dir));
        assertTrue(e.getMessage().contains("formatVersion 9"), e.getMessage());
    }

    @Test
    void refusesBadCreatedAt() throws Exception {
        Files.writeString(dir.resolve(AdapterMetadata.FILE_NAME), "{\"formatVersion\": 1, \"baseModelDigest\": \"x\","
                + " \"specDigest\": \"y\", \"createdAt\": \"yesterday\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdapterMetadataJson.read(dir));
        assertTrue(e.getMessage().contains("\"yesterday\""), e.getMessage());
    }
}

package dev.spindle.peft.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.peft.AdapterMetadata;
import dev.spindle.peft.AdapterMetadataJson;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Push, pull, list, inspect and diff against a real OCI image layout on disk. */
class AdapterImagesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private final AdapterImages images = AdapterImages.client(Map.of());

    @Test
    void sameAdapterGivesSameDigestWhateverTheFileTimes() throws Exception {
        Path a = TestAdapters.write(tmp.resolve("a"), 1, 4, TestAdapters.metadata(null, 1.5));
        Path b = TestAdapters.write(tmp.resolve("b"), 1, 4, TestAdapters.metadata(null, 1.5));
        Files.setLastModifiedTime(b.resolve("adapter_model.safetensors"), FileTime.fromMillis(123_456_789L));
        assertEquals(AdapterImages.build(a).digest(), AdapterImages.build(a).digest());
        assertEquals(AdapterImages.build(a).digest(), AdapterImages.build(b).digest());
        Path c = TestAdapters.write(tmp.resolve("c"), 1, 4, TestAdapters.metadata(null, 1.4));
        assertNotEquals(AdapterImages.build(a).digest(), AdapterImages.build(c).digest(), "metrics are part of the image");
    }

    @Test
    void layoutHoldsOneLayerWithTheAdapterUnderDataAndTheLabels() throws Exception {
        Path adapter = TestAdapters.write(tmp.resolve("a"), 1, 4, TestAdapters.metadata("v0", 1.5));
        Path layout = tmp.resolve("layout");
        PushResult pushed = images.push(adapter, ImageRef.parse("oci-layout:" + layout + ":v1"), false);
        assertEquals(PushResult.Outcome.PUSHED, pushed.outcome());

        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        JsonNode entry = index.path("manifests").get(0);
        assertEquals(pushed.digest(), entry.path("digest").asText());
        assertEquals("v1", entry.path("annotations").path("org.opencontainers.image.ref.name").asText());
        JsonNode manifest = JSON.readTree(blob(layout, pushed.digest()));
        assertEquals(1, manifest.path("layers").size());
        assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", manifest.path("layers").get(0).path("mediaType").asText());
        JsonNode annotations = manifest.path("annotations");
        assertEquals("sha256:" + "b".repeat(64), annotations.path(AdapterLabels.BASE_MODEL_DIGEST).asText());
        assertEquals("v0", annotations.path(AdapterLabels.PARENT).asText());
        assertEquals("2026-11-29T12:00:00Z", annotations.path(AdapterLabels.CREATED).asText());
        JsonNode config = JSON.readTree(blob(layout, manifest.path("config").path("digest").asText()));
        JsonNode labels = config.path("config").path("Labels");
        assertEquals("sha256:" + "b".repeat(64), labels.path(AdapterLabels.BASE_MODEL_DIGEST).asText());
        assertEquals("sha256:" + "d".repeat(64), labels.path(AdapterLabels.DATASET_DIGEST).asText());
        assertEquals("sha256:" + "5".repeat(64), labels.path(AdapterLabels.SPEC_DIGEST).asText());
        assertEquals("v0", labels.path(AdapterLabels.PARENT).asText());
        assertEquals("1.5", labels.path(AdapterLabels.METRIC_PREFIX + "loss").asText());
        assertEquals("1.75", labels.path(AdapterLabels.METRIC_PREFIX + "evalLoss").asText());
        assertEquals("2026-11-29T12:00:00Z", labels.path(AdapterLabels.CREATED).asText());
        assertEquals("2026-11-29T12:00:00Z", config.path("created").asText());
        assertEquals("linux", config.path("os").asText());

        List<String> names = new ArrayList<>();
        byte[] layer = blob(layout, manifest.path("layers").get(0).path("digest").asText());
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(layer)))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                names.add(e.getName());
                assertEquals(1_000L, e.getModTime().getTime(), e.getName());
                assertEquals(0L, e.getLongUserId());
                if (e.getName().endsWith(".safetensors")) {
                    assertArrayEquals(Files.readAllBytes(adapter.resolve("adapter_model.safetensors")), tar.readAllBytes());
                }
            }
        }
        assertEquals(List.of("data/", "data/adapter_config.json", "data/adapter_model.safetensors"), names);
    }

    @Test
    void pushingTheSameVersionTwiceChangesNothing() throws Exception {
        Path adapter = TestAdapters.write(tmp.resolve("a"), 1, 4, TestAdapters.metadata(null, 1.5));
        ImageRef ref = ImageRef.parse("oci-layout:" + tmp.resolve("layout") + ":v1");
        PushResult first = images.push(adapter, ref, false);
        String indexBefore = Files.readString(tmp.resolve("layout/index.json"));
        PushResult second = images.push(adapter, ref, false);
        assertEquals(PushResult.Outcome.UNCHANGED, second.outcome());
        assertEquals(first.digest(), second.digest());
        assertEquals(indexBefore, Files.readString(tmp.resolve("layout/index.json")));
    }

    @Test
    void refusesADifferentAdapterUnderAnExistingTagUnlessForced() throws Exception {
        ImageRef ref = ImageRef.parse("oci-layout:" + tmp.resolve("layout") + ":v1");
        PushResult first = images.push(TestAdapters.write(tmp.resolve("a"), 1, 4, TestAdapters.metadata(null, 1.5)), ref, false);
        Path other = TestAdapters.write(tmp.resolve("b"), 2, 4, TestAdapters.metadata(null, 1.5));

        TagConflictException e = assertThrows(TagConflictException.class, () -> images.push(other, ref, false));
        assertEquals(first.digest(), e.existingDigest());
        assertTrue(e.getMessage().contains("--force") && e.getMessage().contains(ref.toString()), e.getMessage());
        assertEquals(first.digest(), images.inspect(ref).digest(), "the refused push left the tag alone");

        PushResult forced = images.push(other, ref, true);
        assertEquals(PushResult.Outcome.REPLACED, forced.outcome());
        assertEquals(forced.digest(), images.inspect(ref).digest());
        assertEquals(List.of("v1"), images.list(ref).stream().map(i -> i.ref().tag()).toList());
    }

    @Test
    void pullGivesTheSameBytesAndMetadata() throws Exception {
        AdapterMetadata metadata = TestAdapters.metadata("v0", 1.5);
        Path adapter = TestAdapters.write(tmp.resolve("a"), 1, 4, metadata);
        ImageRef ref = ImageRef.parse("oci-layout:" + tmp.resolve("layout") + ":v1");
        images.push(adapter, ref, false);

        Path out = tmp.resolve("pulled");
        AdapterImage pulled = images.pull(ref, out);
        for (String name : List.of("adapter_config.json", "adapter_model.safetensors")) {
            assertEquals(TestAdapters.sha256(adapter.resolve(name)), TestAdapters.sha256(out.resolve(name)), name);
        }
        assertEquals(metadata, AdapterMetadataJson.read(out));
        assertEquals(metadata, pulled.metadata());
        assertEquals(AdapterImages.build(adapter).digest(), AdapterImages.build(out).digest(), "pull then push is the same image");
        assertThrows(IllegalArgumentException.class, () -> images.pull(ref, out), "refuses to overwrite an adapter");
    }

    @Test
    void listShowsEveryVersionWithItsParentAndMetrics() throws Exception {
        ImageRef repo = ImageRef.parseRepository("oci-layout:" + tmp.resolve("layout"));
        images.push(TestAdapters.write(tmp.resolve("1"), 1, 4, TestAdapters.metadata(null, 2.0)), repo.withTag("v1"), false);
        images.push(TestAdapters.write(tmp.resolve("2"), 2, 4, TestAdapters.metadata("v1", 1.5)), repo.withTag("v2"), false);
        List<AdapterImage> versions = images.list(repo);
        assertEquals(List.of("v1", "v2"), versions.stream().map(v -> v.ref().tag()).toList());
        assertEquals(null, versions.get(0).metadata().parentVersion());
        assertEquals("v1", versions.get(1).metadata().parentVersion());
        assertEquals(1.5, versions.get(1).metadata().metrics().get("loss"));
    }

    @Test
    void inspectReportsSizesAndConfig() throws Exception {
        Path adapter = TestAdapters.write(tmp.resolve("a"), 1, 4, TestAdapters.metadata(null, 1.5));
        ImageRef ref = ImageRef.parse("oci-layout:" + tmp.resolve("layout") + ":v1");
        PushResult pushed = images.push(adapter, ref, false);
        AdapterImage image = images.inspect(ref);
        assertEquals(Files.size(adapter.resolve("adapter_model.safetensors")), image.fileBytes().get("adapter_model.safetensors"));
        assertEquals(Files.readString(adapter.resolve("adapter_config.json")), image.adapterConfig());
        assertEquals(pushed.imageBytes(), image.imageBytes());
        assertEquals(pushed.digest(), image.digest());
    }

    @Test
    void diffComparesConfigMetricsAndTensorNorms() throws Exception {
        ImageRef repo = ImageRef.parseRepository("oci-layout:" + tmp.resolve("layout"));
        images.push(TestAdapters.write(tmp.resolve("1"), 1, 4, TestAdapters.metadata(null, 2.0)), repo.withTag("v1"), false);
        images.push(TestAdapters.write(tmp.resolve("2"), 2, 8, TestAdapters.metadata("v1", 1.5)), repo.withTag("v2"), false);
        AdapterDiff diff = images.diff(repo.withTag("v1"), repo.withTag("v2"));

        assertEquals(List.of(new AdapterDiff.Field("r", "4", "8")), diff.config());
        assertTrue(diff.metrics().contains(new AdapterDiff.Metric("loss", 2.0, 1.5)));
        for (int i = 0; i < TestAdapters.TENSORS.length; i++) {
            float[] x = TestAdapters.weights(1, i);
            float[] y = TestAdapters.weights(2, i);
            double nx = 0, ny = 0, nd = 0;
            for (int k = 0; k < x.length; k++) {
                nx += (double) x[k] * x[k];
                ny += (double) y[k] * y[k];
                nd += ((double) x[k] - y[k]) * ((double) x[k] - y[k]);
            }
            AdapterDiff.Tensor t = diff.tensors().get(i);
            assertEquals(TestAdapters.TENSORS[i], t.name());
            assertEquals(Math.sqrt(nx), t.normA(), 1e-9);
            assertEquals(Math.sqrt(ny), t.normB(), 1e-9);
            assertEquals(Math.sqrt(nd), t.normOfDifference(), 1e-9);
        }
    }

    @Test
    void imageAddsUnderTwoKilobytesToTheCompressedAdapter() throws Exception {
        Path adapter = TestAdapters.writeSized(tmp.resolve("a"), 7, 12, 768, 8, TestAdapters.metadata("v1", 1.0));
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(Files.readAllBytes(adapter.resolve("adapter_config.json")));
            out.write(Files.readAllBytes(adapter.resolve("adapter_model.safetensors")));
        }
        long t0 = System.nanoTime();
        AdapterImages.Built image = AdapterImages.build(adapter);
        long buildMs = (System.nanoTime() - t0) / 1_000_000;
        long imageBytes = image.layer().bytes().length + image.config().length + image.manifest().length;
        long overhead = imageBytes - gz.size();
        System.out.printf("adapter-image size: adapter %d B, gzip(adapter) %d B, image %d B (layer %d, config %d,"
                + " manifest %d), overhead %d B, build %d ms%n", image.adapterBytes(), gz.size(), imageBytes,
                image.layer().bytes().length, image.config().length, image.manifest().length, overhead, buildMs);
        assertTrue(overhead < 2048, "image overhead " + overhead + " B");
    }

    @Test
    void missingAdapterFileIsNamed() throws Exception {
        Path adapter = TestAdapters.write(tmp.resolve("a"), 1, 4, TestAdapters.metadata(null, 1.5));
        Files.delete(adapter.resolve("adapter_model.safetensors"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> images.push(adapter, ImageRef.parse("oci-layout:" + tmp.resolve("layout") + ":v1"), false));
        assertTrue(e.getMessage().contains("adapter_model.safetensors") && e.getMessage().contains(adapter.toString()));
    }

    @Test
    void aMissingVersionIsNamedWithTheExistingOnes() throws Exception {
        ImageRef repo = ImageRef.parseRepository("oci-layout:" + tmp.resolve("layout"));
        images.push(TestAdapters.write(tmp.resolve("1"), 1, 4, TestAdapters.metadata(null, 2.0)), repo.withTag("v1"), false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> images.inspect(repo.withTag("v9")));
        assertTrue(e.getMessage().contains(":v9: no such version") && e.getMessage().endsWith("holds v1"), e.getMessage());
    }

    @Test
    void readingAMissingLayoutIsAnErrorAndCreatesNothing() {
        Path missing = tmp.resolve("nowhere");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> images.list(ImageRef.parseRepository("oci-layout:" + missing)));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(Files.notExists(missing));
    }

    private static byte[] blob(Path layout, String digest) throws Exception {
        return Files.readAllBytes(layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length())));
    }
}

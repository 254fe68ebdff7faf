package dev.spindle.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {

    @TempDir
    Path root;

    private NDManager manager;

    @BeforeEach
    void createManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void roundTripIsBitExactWithStateAndDigest() throws IOException {
        CheckpointStore store = CheckpointStore.open(root, 3);
        Map<String, NDArray> parameters = parameters(7);
        Map<String, NDArray> optimizer = Map.of(
                "adamw.m.layer0.weight", randomFloats(new Shape(4, 3), 8),
                "adamw.v.layer0.weight", randomFloats(new Shape(4, 3), 9),
                "adamw.step", manager.create(new long[] {12L}));
        TrainState state = new TrainState(12, 42L, "sha256:spec", "{\"file\":\"a.arrow\",\"row\":[3,4]}", 0.125);

        CheckpointInfo saved = store.save(parameters, optimizer, state);
        LoadedCheckpoint loaded = store.load(store.latest().orElseThrow(), manager);

        assertEquals(saved, loaded.info());
        assertEquals(ParametersDigest.of(parameters), saved.parametersDigest());
        assertEquals(state, loaded.state());
        assertBitEqual(parameters, loaded.parameters());
        assertBitEqual(optimizer, loaded.optimizerState());
        assertEquals(root.resolve("step-00000012"), saved.directory());
        long onDisk = 0;
        for (String file : List.of("model.safetensors", "optimizer.safetensors", "state.json", "manifest.json")) {
            onDisk += Files.size(saved.directory().resolve(file));
        }
        assertEquals(onDisk, saved.bytes());
        assertEquals("step-00000012\n", Files.readString(root.resolve("latest")));
    }

    @Test
    void notMeasuredLossSurvivesAsNaN() throws IOException {
        CheckpointStore store = CheckpointStore.open(root, 1);
        store.save(parameters(1), Map.of(), new TrainState(0, 1L, "", TrainState.EMPTY_CURSOR, Double.NaN));

        LoadedCheckpoint loaded = store.load(store.latest().orElseThrow(), manager);

        assertTrue(Double.isNaN(loaded.state().loss()));
        assertTrue(loaded.optimizerState().isEmpty());
    }

    @Test
    void latestPicksNewestValidAndIgnoresDirectoryWithoutManifest() throws IOException {
        CheckpointStore store = CheckpointStore.open(root, 5);
        for (long step = 1; step <= 3; step++) {
            store.save(parameters(step), Map.of(), state(step));
        }
        Path partial = Files.createDirectories(root.resolve("step-00000004"));
        Files.write(partial.resolve("model.safetensors"), new byte[1000]);

        assertEquals(3, store.latest().orElseThrow().step());
        assertEquals(List.of(1L, 2L, 3L), store.list().stream().map(CheckpointInfo::step).toList());
        VerifyResult report = store.verify().get(3);
        assertEquals(4, report.step());
        assertFalse(report.valid());
        assertTrue(report.problems().get(0).contains("manifest.json"), report.problems().toString());
    }

    @Test
    void truncatedFileIsIgnoredByLatestAndReportedByVerify() throws IOException {
        CheckpointStore store = CheckpointStore.open(root, 5);
        store.save(parameters(1), Map.of(), state(1));
        CheckpointInfo second = store.save(parameters(2), Map.of("m", randomFloats(new Shape(10), 3)), state(2));
        Path optimizer = second.directory().resolve("optimizer.safetensors");
        try (var channel = Files.newByteChannel(optimizer, StandardOpenOption.WRITE)) {
            channel.truncate(Files.size(optimizer) - 4);
        }

        assertEquals(1, store.latest().orElseThrow().step());
        List<VerifyResult> reports = store.verify();
        assertTrue(reports.get(0).valid(), reports.get(0).problems().toString());
        assertFalse(reports.get(1).valid());
        assertTrue(reports.get(1).problems().get(0).contains(optimizer.toString()), reports.get(1).toString());
    }

    @Test
    void corruptedTensorFileMakesLoadFailNamingTheFile() throws IOException {
        CheckpointStore store = CheckpointStore.open(root, 5);
        CheckpointInfo info = store.save(parameters(1), Map.of(), state(1));
        Path model = info.directory().resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length - 3] ^= 0x10; // a bit of the last tensor's data: size unchanged
        Files.write(model, bytes);

        CheckpointCorruptException error =
                assertThrows(CheckpointCorruptException.class, () -> store.load(info, manager));

        assertEquals(model, error.file());
        assertTrue(error.getMessage().contains("model.safetensors") && error.getMessage().contains("SHA-256"),
                error.getMessage());
        assertFalse(store.verify().get(0).valid());
    }

    @Test
    void retentionKeepsTheNewestAndMovesLatest() throws IOException {
        CheckpointStore store = CheckpointStore.open(root, 2);
        for (long step = 10; step <= 40; step += 10) {
            store.save(parameters(step), Map.of(), state(step));
        }

        assertEquals(List.of(30L, 40L), store.list().stream().map(CheckpointInfo::step).toList());
        assertFalse(Files.exists(root.resolve("step-00000010")));
        assertFalse(Files.exists(root.resolve("step-00000020")));
        assertEquals("step-00000040\n", Files.readString(root.resolve("latest")));
    }

    @Test
    void saveRemovesOlderPartialDirectoriesAndReplacesOneOfItsOwnStep() throws IOException {
        CheckpointStore store = CheckpointStore.open(root, 5);
        store.save(parameters(1), Map.of(), state(1));
        Files.write(Files.createDirectories(root.resolve("step-00000002")).resolve("model.safetensors"), new byte[9]);
        Files.write(Files.createDirectories(root.resolve("step-00000003")).resolve("state.json"), new byte[9]);

        store.save(parameters(3), Map.of(), state(3));

        assertFalse(Files.exists(root.resolve("step-00000002")));
        assertEquals(List.of(1L, 3L), store.verify().stream().map(VerifyResult::step).toList());
        assertTrue(store.verify().stream().allMatch(VerifyResult::valid));
        assertEquals(3, store.latest().orElseThrow().step());
    }

    @Test
    void saveRefusesToOverwriteACompleteCheckpoint() throws IOException {
        CheckpointStore store = CheckpointStore.open(root, 5);
        store.save(parameters(1), Map.of(), state(1));

        assertThrows(FileAlreadyExistsException.class, () -> store.save(parameters(2), Map.of(), state(1)));
    }

    @Test
    void saveRefusesAStepOlderThanTheNewestCheckpoint() throws IOException {
        CheckpointStore store = CheckpointStore.open(root, 1);
        store.save(parameters(1), Map.of(), state(10));

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> store.save(parameters(2), Map.of(), state(5)));

        assertTrue(error.getMessage().contains("step 5") && error.getMessage().contains("step-00000010"),
                error.getMessage());
        assertEquals(List.of(10L), store.list().stream().map(CheckpointInfo::step).toList());
    }

    @Test
    void unknownManifestFormatVersionIsRefused() throws IOException {
        CheckpointStore store = CheckpointStore.open(root, 5);
        CheckpointInfo info = store.save(parameters(1), Map.of(), state(1));
        Path manifest = info.directory().resolve("manifest.json");
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(manifest.toFile());
        json.put("formatVersion", 3); // 2 is the mesh format
        Files.write(manifest, new ObjectMapper().writeValueAsBytes(json));

        UnsupportedCheckpointFormatException error =
                assertThrows(UnsupportedCheckpointFormatException.class, store::latest);
        assertTrue(error.getMessage().contains("formatVersion 3") && error.getMessage().contains("reads formatVersion"
                + " 1 to 2"), error.getMessage());
        assertThrows(UnsupportedCheckpointFormatException.class, () -> store.load(info, manager));
        assertTrue(store.verify().get(0).problems().get(0).contains("formatVersion 3"));
    }

    @Test
    void unknownStateFormatVersionIsRefusedEvenWithMatchingDigests() throws IOException {
        CheckpointStore store = CheckpointStore.open(root, 5);
        CheckpointInfo info = store.save(parameters(1), Map.of(), state(1));
        ObjectMapper json = new ObjectMapper();
        Path statePath = info.directory().resolve("state.json");
        ObjectNode state = (ObjectNode) json.readTree(statePath.toFile());
        state.put("formatVersion", 7);
        byte[] newState = json.writeValueAsBytes(state);
        Files.write(statePath, newState);
        // Re-seal the manifest so that only the version, not a checksum, can be the reason for refusal.
        Path manifestPath = info.directory().resolve("manifest.json");
        ObjectNode manifest = (ObjectNode) json.readTree(manifestPath.toFile());
        for (var entry : manifest.withArray("files")) {
            if (entry.get("path").asText().equals("state.json")) {
                ((ObjectNode) entry).put("size", newState.length).put("sha256", sha256(newState));
            }
        }
        Files.write(manifestPath, json.writeValueAsBytes(manifest));

        UnsupportedCheckpointFormatException error =
                assertThrows(UnsupportedCheckpointFormatException.class, () -> store.load(info, manager));
        assertTrue(error.getMessage().contains("reads formatVersion 1 here"), error.getMessage());
        assertTrue(error.getMessage().contains("state.json") && error.getMessage().contains("formatVersion 7"),
                error.getMessage());
    }

    @Test
    void bfloat16TensorInAFileIsRefusedBeforeDjlDecodesIt() throws IOException {
        byte[] header = "{\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}".getBytes();
        ByteBuffer file = ByteBuffer.allocate(8 + header.length + 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        file.putLong(header.length).put(header).putInt(0);
        Path path = Files.write(root.resolve("bf16.safetensors"), file.array());

        UnsupportedOperationException error = assertThrows(UnsupportedOperationException.class,
                () -> TensorFile.read(new LocalCheckpointStorage(), path, manager));
        assertTrue(error.getMessage().contains("'w'") && error.getMessage().contains("bfloat16"), error.getMessage());
    }

    @Test
    void invalidArgumentsAreRefusedWithTheValue() throws IOException {
        IllegalArgumentException keep =
                assertThrows(IllegalArgumentException.class, () -> CheckpointStore.open(root, 0));
        assertTrue(keep.getMessage().contains("keep") && keep.getMessage().contains("0"));
        IllegalArgumentException cursor = assertThrows(IllegalArgumentException.class,
                () -> new TrainState(1, 1, "", "{not json", 0.5));
        assertTrue(cursor.getMessage().contains("dataCursor") && cursor.getMessage().contains("{not json"));
        assertTrue(CheckpointStore.open(root, 1).latest().isEmpty());
    }

    private Map<String, NDArray> parameters(long seed) {
        return Map.of("layer0.weight", randomFloats(new Shape(4, 3), seed),
                "layer0.bias", randomFloats(new Shape(3), seed + 100),
                "head.weight", manager.create(new double[] {seed, -0.0, Double.MIN_VALUE}));
    }

    private NDArray randomFloats(Shape shape, long seed) {
        Random random = new Random(seed);
        float[] values = new float[(int) shape.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, shape);
    }

    private static TrainState state(long step) {
        return new TrainState(step, 5L, "spec", TrainState.EMPTY_CURSOR, 1.0 / step);
    }

    private static void assertBitEqual(Map<String, NDArray> expected, Map<String, NDArray> actual) {
        assertEquals(new java.util.TreeSet<>(expected.keySet()), actual.keySet());
        for (String name : expected.keySet()) {
            NDArray want = expected.get(name);
            NDArray got = actual.get(name);
            assertEquals(want.getDataType(), got.getDataType(), name);
            assertEquals(want.getShape(), got.getShape(), name);
            assertArrayEquals(bytes(want), bytes(got), name);
        }
    }

    private static byte[] bytes(NDArray array) {
        ByteBuffer buffer = array.toByteBuffer();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) {
        return java.util.HexFormat.of().formatHex(ParametersDigest.newSha256().digest(bytes));
    }
}

package dev.spindle.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints of a data × tensor × pipeline mesh (D = T = P = 2 unless said otherwise): every place
 * writes its pieces of a known full model, cut here by index arithmetic independent of the store's own
 * slicing, and the store must give back each piece, the full model, and pieces of other meshes.
 */
class MeshCheckpointTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int D = 2;
    private static final int T = 2;
    private static final int P = 2;

    /** The model's parameters: name, shape, split, stages holding it (the embedding is tied: first and last). */
    private record Param(String name, long[] shape, TensorSplit split, List<Integer> stages) {}

    private static final List<Param> MODEL = List.of(
            new Param("wte.weight", new long[] {8, 4}, new TensorSplit(0, 1), List.of(0, 1)),
            new Param("h.0.attn.c_attn.weight", new long[] {4, 12}, new TensorSplit(1, 3), List.of(0)),
            new Param("h.0.attn.c_proj.weight", new long[] {4, 4}, new TensorSplit(0, 1), List.of(0)),
            new Param("h.1.mlp.c_fc.weight", new long[] {4, 8}, new TensorSplit(1, 1), List.of(1)),
            new Param("ln_f.weight", new long[] {4}, TensorSplit.REPLICATED, List.of(1)));

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
    void everyPlaceLoadsItsOwnPiecesAndTheManifestRecordsTheMesh() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        Map<String, NDArray> full = fullParameters(1);
        CheckpointInfo info = store.commit(writeMesh(store, 10, full, D));

        JsonNode manifest = JSON.readTree(info.directory().resolve("manifest.json").toFile());
        assertEquals(2, manifest.get("formatVersion").asInt());
        assertEquals(T, manifest.get("tensor").asInt());
        assertEquals(P, manifest.get("pipeline").asInt());
        assertEquals(D * T * P, manifest.get("ranks").asInt());
        assertEquals(T * P, manifest.get("places").size());
        List<String> listed = new ArrayList<>();
        manifest.get("files").forEach(entry -> listed.add(entry.get("path").asText()));
        assertTrue(listed.containsAll(List.of("state.json", "model-t0-p0.safetensors", "optimizer-t1-p1.safetensors",
                "layout-t1-p0.json", "rank-00002.json", "rank-00007.json")), listed.toString());
        assertFalse(listed.contains("model.safetensors"));
        JsonNode replica = JSON.readTree(info.directory().resolve("rank-00007.json").toFile());
        assertEquals(1, replica.get("tensorRank").asInt());
        assertEquals(1, replica.get("pipelineStage").asInt());
        assertEquals(manifest.get("places").get(3).get("parametersDigest").asText(),
                replica.get("parametersDigest").asText());

        for (int p = 0; p < P; p++) {
            for (int t = 0; t < T; t++) {
                ShardLayout layout = layout(t, T, p, P, 0);
                LoadedCheckpoint loaded = store.loadShard(info, layout, manager);
                assertTensorsEqual(pieces(full, t, T, p, P), loaded.parameters());
                assertTensorsEqual(optimizerState(pieces(full, t, T, p, P)), loaded.optimizerState());
                assertEquals(state(10), loaded.state());
            }
        }
    }

    @Test
    void gatheredModelIsTheFullModelWithFusedAndTiedTensors() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        Map<String, NDArray> full = fullParameters(2);
        CheckpointInfo info = store.commit(writeMesh(store, 10, full, D));

        LoadedCheckpoint gathered = store.loadGathered(info, manager);

        assertTensorsEqual(full, gathered.parameters());
        assertTensorsEqual(optimizerState(full), gathered.optimizerState());
        assertEquals(state(10), gathered.state());
    }

    @Test
    void replicasOfOnePlaceThatDisagreeAreRefused() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        List<ShardReceipt> receipts = writeMesh(store, 10, fullParameters(3), D);
        // rank 6 is replica 1 of place t0-p1, whose replica 0 is rank 4: let it have trained on something else
        int rank = rank(1, 0, 1);
        ShardLayout layout = layout(0, T, 1, P, 1);
        Map<String, NDArray> other = pieces(fullParameters(4), 0, T, 1, P);
        receipts.set(rank, store.writeShard(rank, D * T * P, layout, other, optimizerState(other), state(10)));

        ReplicasDivergedException diverged = assertThrows(ReplicasDivergedException.class,
                () -> store.commit(receipts));

        assertTrue(diverged.getMessage().contains("rank 4 has") && diverged.getMessage().contains("rank 6 has")
                && diverged.getMessage().contains("tensor rank 0 of stage 1"), diverged.getMessage());
        assertTrue(store.latest().isEmpty());
    }

    @Test
    void aMissingPlaceIsRefused() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        Map<String, NDArray> full = fullParameters(5);
        // Two ranks that both think the pipeline has 2 stages, but nobody holds stage 1.
        List<ShardReceipt> receipts = new ArrayList<>();
        for (int t = 0; t < T; t++) {
            Map<String, NDArray> mine = pieces(full, t, T, 0, P);
            receipts.add(store.writeShard(t, T, layout(t, T, 0, P, 0), mine, optimizerState(mine), state(10)));
        }

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> store.commit(receipts));

        assertTrue(missing.getMessage().contains("[t0-p1, t1-p1]"), missing.getMessage());
        assertTrue(store.latest().isEmpty());
    }

    @Test
    void resumesOntoAnotherDataParallelSize() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        Map<String, NDArray> full = fullParameters(6);
        CheckpointInfo info = store.commit(writeMesh(store, 10, full, 1));

        // Written by D=1; read by replica 3 of a D=4 job, and the D=4 job's next checkpoint commits.
        LoadedCheckpoint loaded = store.loadShard(info, layout(1, T, 1, P, 3), manager);
        assertTensorsEqual(pieces(full, 1, T, 1, P), loaded.parameters());
        CheckpointInfo next = store.commit(writeMesh(store, 20, full, 4));
        assertEquals(D * T * P * 2, JSON.readTree(next.directory().resolve("manifest.json").toFile())
                .get("ranks").asInt());
        assertTensorsEqual(full, store.loadGathered(next, manager).parameters());
    }

    @Test
    void reshardsFromTwoTensorRanksToOne() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        Map<String, NDArray> full = fullParameters(7);
        CheckpointInfo info = store.commit(writeMesh(store, 10, full, D));

        for (int p = 0; p < P; p++) {
            LoadedCheckpoint loaded = store.loadShard(info, layout(0, 1, p, P, 0), manager);
            assertTensorsEqual(pieces(full, 0, 1, p, P), loaded.parameters());
            assertTensorsEqual(optimizerState(pieces(full, 0, 1, p, P)), loaded.optimizerState());
        }
    }

    @Test
    void reshardsFromTwoTensorRanksToFour() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        Map<String, NDArray> full = fullParameters(16);
        CheckpointInfo info = store.commit(writeMesh(store, 10, full, D));

        for (int t = 0; t < 4; t++) {
            LoadedCheckpoint loaded = store.loadShard(info, layout(t, 4, 0, P, 0), manager);
            assertTensorsEqual(pieces(full, t, 4, 0, P), loaded.parameters());
        }
    }

    @Test
    void aLayoutThatLeavesReplicatedParametersOutStillGetsThem() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        Map<String, NDArray> full = fullParameters(14);
        CheckpointInfo info = store.commit(writeMesh(store, 10, full, D));

        for (int tensor : new int[] {T, 1}) { // read as written, and resharded onto one tensor rank
            ShardLayout written = layout(0, tensor, 1, P, 0);
            Map<String, TensorSplit> splitOnly = new TreeMap<>(written.splits());
            splitOnly.values().removeIf(TensorSplit::replicated);
            ShardLayout lean = new ShardLayout(written.place(), 0, splitOnly);

            LoadedCheckpoint loaded = store.loadShard(info, lean, manager);

            assertTrue(loaded.parameters().containsKey("ln_f.weight"), loaded.parameters().keySet().toString());
            assertTensorsEqual(pieces(full, 0, tensor, 1, P), loaded.parameters());
            assertTensorsEqual(optimizerState(pieces(full, 0, tensor, 1, P)), loaded.optimizerState());
        }
    }

    @Test
    void reshardingOntoAnotherNumberOfStagesNeedsTheStagesNames() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        CheckpointInfo info = store.commit(writeMesh(store, 10, fullParameters(15), D));

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> store.loadShard(info,
                new ShardLayout(new ShardPlace(1, 0, 3, 2), 0, Map.of()), manager));

        assertTrue(refused.getMessage().contains("pipeline=2") && refused.getMessage().contains("pipeline=3")
                && refused.getMessage().contains("ShardLayout.splits"), refused.getMessage());
    }

    @Test
    void reshardsFromTwoStagesToOne() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        Map<String, NDArray> full = fullParameters(8);
        CheckpointInfo info = store.commit(writeMesh(store, 10, full, D));

        for (int t = 0; t < T; t++) {
            LoadedCheckpoint loaded = store.loadShard(info, layout(t, T, 0, 1, 0), manager);
            assertTensorsEqual(pieces(full, t, T, 0, 1), loaded.parameters());
            assertTensorsEqual(optimizerState(pieces(full, t, T, 0, 1)), loaded.optimizerState());
        }
        LoadedCheckpoint whole = store.loadShard(info, ShardLayout.whole(0), manager);
        assertTensorsEqual(full, whole.parameters());
        assertTensorsEqual(optimizerState(full), whole.optimizerState());
    }

    @Test
    void aWholeModelCheckpointReshardsOntoAMesh() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        Map<String, NDArray> full = fullParameters(9);
        CheckpointInfo info = store.save(full, optimizerState(full), state(10));

        for (int p = 0; p < P; p++) {
            for (int t = 0; t < T; t++) {
                LoadedCheckpoint loaded = store.loadShard(info, layout(t, T, p, P, 0), manager);
                assertTensorsEqual(pieces(full, t, T, p, P), loaded.parameters());
                assertTensorsEqual(optimizerState(pieces(full, t, T, p, P)), loaded.optimizerState());
            }
        }
        assertTensorsEqual(full, store.loadShard(info, ShardLayout.whole(1), manager).parameters());
        assertTensorsEqual(full, store.loadGathered(info, manager).parameters());
    }

    @Test
    void plainLoadOfAMeshCheckpointPointsAtTheShardReaders() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        CheckpointInfo info = store.commit(writeMesh(store, 10, fullParameters(10), D));

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> store.load(info, manager));

        assertTrue(refused.getMessage().contains("tensor=2 × pipeline=2")
                && refused.getMessage().contains("loadShard") && refused.getMessage().contains("loadGathered"),
                refused.getMessage());
    }

    @Test
    void listAndVerifyCoverMeshCheckpointsAndCatchADamagedPlace() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        CheckpointInfo first = store.commit(writeMesh(store, 10, fullParameters(11), D));
        CheckpointInfo second = store.commit(writeMesh(store, 20, fullParameters(12), D));
        assertEquals(List.of(first, second), store.list());
        assertTrue(store.verify().stream().allMatch(VerifyResult::valid));

        Path damaged = second.directory().resolve("model-t1-p1.safetensors");
        byte[] bytes = Files.readAllBytes(damaged);
        bytes[bytes.length - 1] ^= 1;
        Files.write(damaged, bytes);

        List<VerifyResult> results = store.verify();
        assertTrue(results.get(0).valid());
        assertFalse(results.get(1).valid());
        assertTrue(results.get(1).problems().get(0).contains("model-t1-p1.safetensors"), results.toString());
        assertThrows(CheckpointCorruptException.class,
                () -> store.loadShard(second, layout(0, T, 0, P, 0), manager));
    }

    @Test
    void rankZeroMustHoldTheFirstPlace() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        Map<String, NDArray> mine = pieces(fullParameters(13), 1, T, 0, P);

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () ->
                store.writeShard(0, D * T * P, layout(1, T, 0, P, 0), mine, optimizerState(mine), state(10)));

        assertTrue(refused.getMessage().contains("rank 0"), refused.getMessage());
    }

    @Test
    void aSplitThePieceCannotHaveIsRefusedWhenWriting() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        Map<String, NDArray> mine = Map.of("ln_f.weight", manager.ones(new Shape(4)));
        ShardLayout wrongDim = new ShardLayout(new ShardPlace(T, 0, 1, 0), 0, Map.of("ln_f.weight", new TensorSplit(1, 1)));
        ShardLayout wrongChunks = new ShardLayout(new ShardPlace(T, 0, 1, 0), 0,
                Map.of("ln_f.weight", new TensorSplit(0, 3)));

        for (ShardLayout layout : List.of(wrongDim, wrongChunks)) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> store.writeShard(0, T, layout, mine, Map.of(), state(10)));
            assertTrue(refused.getMessage().contains("'ln_f.weight'"), refused.getMessage());
        }
    }

    // --- the mesh, written rank by rank ---

    /** Megatron's order: tensor fastest, then data, then pipeline. */
    private static int rank(int d, int t, int p) {
        return p * (D * T) + d * T + t;
    }

    /** Every rank of a D × T × P mesh writes its shard of {@code full}; the receipts in rank order. */
    private List<ShardReceipt> writeMesh(CheckpointStore store, long step, Map<String, NDArray> full, int data)
            throws IOException {
        int world = data * T * P;
        ShardReceipt[] receipts = new ShardReceipt[world];
        for (int p = 0; p < P; p++) {
            for (int d = 0; d < data; d++) {
                for (int t = 0; t < T; t++) {
                    int rank = p * (data * T) + d * T + t;
                    Map<String, NDArray> mine = pieces(full, t, T, p, P);
                    receipts[rank] = store.writeShard(rank, world, layout(t, T, p, P, d), mine,
                            optimizerState(mine), state(step));
                }
            }
        }
        return new ArrayList<>(List.of(receipts));
    }

    /** The layout of place (t of tensor, p of pipeline): the stage's parameters with their splits. */
    private static ShardLayout layout(int t, int tensor, int p, int pipeline, int replica) {
        Map<String, TensorSplit> splits = new TreeMap<>();
        for (Param param : MODEL) {
            if (inStage(param, p, pipeline)) {
                splits.put(param.name(), param.split());
            }
        }
        return new ShardLayout(new ShardPlace(tensor, t, pipeline, p), replica, splits);
    }

    private static boolean inStage(Param param, int stage, int pipeline) {
        return pipeline == 1 || param.stages().contains(stage);
    }

    /** Place (t, p)'s pieces of {@code full}, cut by index: rank t takes the t-th T-th of each chunk. */
    private Map<String, NDArray> pieces(Map<String, NDArray> full, int t, int tensor, int p, int pipeline) {
        Map<String, NDArray> pieces = new TreeMap<>();
        for (Param param : MODEL) {
            if (!inStage(param, p, pipeline)) {
                continue;
            }
            NDArray whole = full.get(param.name());
            TensorSplit split = param.split();
            if (split.replicated() || tensor == 1) {
                pieces.put(param.name(), whole.duplicate());
                continue;
            }
            long chunk = whole.getShape().get(split.dim()) / split.chunks();
            long piece = chunk / tensor;
            NDList parts = new NDList();
            for (int c = 0; c < split.chunks(); c++) {
                long from = c * chunk + t * piece;
                String range = from + ":" + (from + piece);
                parts.add(whole.get(new NDIndex(split.dim() == 0 ? range : ":, " + range)));
            }
            pieces.put(param.name(), parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, split.dim()));
        }
        return pieces;
    }

    /** AdamW-like state: two moments per parameter (shaped like it) and a scalar step count. */
    private Map<String, NDArray> optimizerState(Map<String, NDArray> parameters) {
        Map<String, NDArray> state = new TreeMap<>();
        parameters.forEach((name, array) -> {
            state.put("m/" + name, array.mul(0.5f));
            state.put("v/" + name, array.mul(array));
            state.put("step/" + name, manager.create(10L));
        });
        return state;
    }

    /** Distinct values everywhere, so a piece from the wrong place or in the wrong order shows. */
    private Map<String, NDArray> fullParameters(int seed) {
        Map<String, NDArray> full = new LinkedHashMap<>();
        int offset = seed * 1000;
        for (Param param : MODEL) {
            Shape shape = new Shape(param.shape());
            full.put(param.name(), manager.arange(offset, offset + (int) shape.size(), 1, DataType.FLOAT32).reshape(shape));
            offset += (int) shape.size();
        }
        return full;
    }

    private static TrainState state(long step) {
        return new TrainState(step, 42, "sha256:abc", "{\"batch\":" + step + "}", 1.5);
    }

    private static void assertTensorsEqual(Map<String, NDArray> expected, Map<String, NDArray> actual) {
        assertEquals(new TreeMap<>(expected).keySet(), new TreeMap<>(actual).keySet());
        expected.forEach((name, array) -> {
            NDArray got = actual.get(name);
            assertEquals(array.getShape(), got.getShape(), name);
            assertEquals(array.getDataType(), got.getDataType(), name);
            assertArrayEquals(array.toType(DataType.FLOAT64, false).toDoubleArray(),
                    got.toType(DataType.FLOAT64, false).toDoubleArray(), name);
        });
    }
}

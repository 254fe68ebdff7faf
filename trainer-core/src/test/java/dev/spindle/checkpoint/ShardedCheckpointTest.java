package dev.spindle.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedCheckpointTest {

    private static final ObjectMapper JSON = new ObjectMapper();

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
    void threeRanksWriteConcurrentlyAndTheCommitLoadsLikeASingleSave() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        List<ShardReceipt> receipts = writeConcurrently(store, 3, 10, rank -> 7);
        Collections.reverse(receipts); // the coordinator may collect them in any order

        CheckpointInfo info = store.commit(receipts);

        assertEquals(10, info.step());
        assertEquals(store.latest().orElseThrow(), info);
        JsonNode manifest = JSON.readTree(info.directory().resolve("manifest.json").toFile());
        assertEquals(3, manifest.get("ranks").asInt());
        List<String> listed = new ArrayList<>();
        manifest.get("files").forEach(entry -> listed.add(entry.get("path").asText()));
        assertEquals(List.of("model.safetensors", "optimizer.safetensors", "state.json", "rank-00001.json",
                "rank-00002.json"), listed);
        JsonNode rank2 = JSON.readTree(info.directory().resolve("rank-00002.json").toFile());
        assertEquals(2, rank2.get("rank").asInt());
        assertEquals(3, rank2.get("worldSize").asInt());
        assertEquals(10, rank2.get("step").asLong());
        assertEquals(cursor(10), rank2.get("dataCursor").asText());
        assertEquals(info.parametersDigest(), rank2.get("parametersDigest").asText());

        LoadedCheckpoint loaded = store.load(info, manager);
        assertEquals(ParametersDigest.of(Fixtures.parameters(manager, 7)), loaded.info().parametersDigest());
        assertEquals(state(10), loaded.state());
        assertTrue(store.verify().get(0).valid(), store.verify().toString());
        assertEquals("step-00000010\n", Files.readString(root.resolve("latest")));
    }

    @Test
    void aMissingShardIsNotCommitted() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        List<ShardReceipt> receipts = writeConcurrently(store, 3, 4, rank -> 7);

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> store.commit(List.of(receipts.get(0), receipts.get(2))));

        assertTrue(missing.getMessage().contains("no shard from rank(s) [1] of 3"), missing.getMessage());
        assertFalse(Files.exists(root.resolve("step-00000004/manifest.json")));
        assertTrue(store.latest().isEmpty());
    }

    @Test
    void divergentReplicasAreRefusedNamingBothDigests() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        List<ShardReceipt> receipts = writeConcurrently(store, 3, 4, rank -> rank == 2 ? 8 : 7);

        ReplicasDivergedException diverged = assertThrows(ReplicasDivergedException.class,
                () -> store.commit(receipts));

        String rank0 = receipts.get(0).parametersDigest();
        String rank2 = receipts.get(2).parametersDigest();
        assertTrue(diverged.getMessage().contains("replicas diverged at step 4: rank 0 has " + rank0 + ", rank 2 has "
                + rank2), diverged.getMessage());
        assertFalse(Files.exists(root.resolve("step-00000004/manifest.json")));
        assertTrue(store.latest().isEmpty());
    }

    @Test
    void shardsWithoutACommitAreIgnoredAndASmallerWorldRetriesTheStep() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        CheckpointInfo before = store.save(Fixtures.parameters(manager, 7), Map.of(), state(5));
        writeConcurrently(store, 3, 10, rank -> 7); // the coordinator died before committing

        assertEquals(before, store.latest().orElseThrow());
        assertEquals(List.of(before), store.list());

        List<ShardReceipt> retry = writeConcurrently(store, 2, 10, rank -> 7); // next generation, 2 ranks
        CheckpointInfo after = store.commit(retry);

        assertEquals(after, store.latest().orElseThrow());
        JsonNode manifest = JSON.readTree(after.directory().resolve("manifest.json").toFile());
        assertEquals(2, manifest.get("ranks").asInt());
        assertFalse(manifest.toString().contains("rank-00002.json"), "a rank of the old world is not vouched for");
        assertTrue(store.verify().stream().allMatch(VerifyResult::valid), store.verify().toString());
    }

    @Test
    void aShardChangedOrRemovedAfterItsReceiptIsNotCommitted() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        List<ShardReceipt> receipts = writeConcurrently(store, 3, 6, rank -> 7);
        Path rank1 = root.resolve("step-00000006/rank-00001.json");
        byte[] original = Files.readAllBytes(rank1);
        byte[] tampered = original.clone();
        tampered[tampered.length - 3] ^= 1; // same size, other content: a stale writer
        Files.write(rank1, tampered);

        CheckpointCorruptException changed = assertThrows(CheckpointCorruptException.class,
                () -> store.commit(receipts));
        assertEquals(rank1, changed.file());

        Files.delete(rank1);
        CheckpointCorruptException gone = assertThrows(CheckpointCorruptException.class,
                () -> store.commit(receipts));
        assertTrue(gone.getMessage().contains("is missing"), gone.getMessage());
        assertTrue(store.latest().isEmpty());

        Files.write(rank1, original);
        assertEquals(6, store.commit(receipts).step());
    }

    @Test
    void aCommittedStepIsNeverWrittenAgainByAnyRank() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        store.commit(writeConcurrently(store, 2, 6, rank -> 7));
        byte[] committed = Files.readAllBytes(root.resolve("step-00000006/rank-00001.json"));

        assertThrows(FileAlreadyExistsException.class,
                () -> store.writeShard(1, 2, Fixtures.parameters(manager, 7), Map.of(), state(6)));
        assertThrows(IllegalArgumentException.class,
                () -> store.writeShard(1, 2, Fixtures.parameters(manager, 7), Map.of(), state(3)));
        assertArrayEquals(committed, Files.readAllBytes(root.resolve("step-00000006/rank-00001.json")));
    }

    @Test
    void receiptsMustBeOnePerRankOfOneStep() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        List<ShardReceipt> receipts = writeConcurrently(store, 2, 6, rank -> 7);
        ShardReceipt otherStep = store.writeShard(1, 2, Fixtures.parameters(manager, 7), Map.of(), state(7));

        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> store.commit(List.of(receipts.get(0), receipts.get(1), receipts.get(1))));
        IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
                () -> store.commit(List.of(receipts.get(0), otherStep)));
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                () -> store.writeShard(2, 2, Fixtures.parameters(manager, 7), Map.of(), state(6)));

        assertTrue(twice.getMessage().contains("rank 1 reported twice"), twice.getMessage());
        assertTrue(mixed.getMessage().contains("step 7"), mixed.getMessage());
        assertTrue(rank.getMessage().contains("got rank 2 of worldSize 2"), rank.getMessage());
        assertThrows(IllegalArgumentException.class, () -> store.commit(List.of()));
    }

    @Test
    void aSingleRankManifestKeepsTheVersionOneLayout() throws IOException {
        CheckpointStore store = CheckpointStore.open(root, 3);
        CheckpointInfo info = store.save(Fixtures.parameters(manager, 7), Map.of(), state(2));

        JsonNode manifest = JSON.readTree(info.directory().resolve("manifest.json").toFile());
        assertFalse(manifest.has("ranks"));
        assertEquals(3, manifest.get("files").size());
    }

    @Test
    void aManifestOfThreeRanksWithoutARankFileIsNotACheckpoint() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        CheckpointInfo info = store.commit(writeConcurrently(store, 3, 6, rank -> 7));
        Path manifestFile = info.directory().resolve("manifest.json");
        ObjectNode manifest = (ObjectNode) JSON.readTree(manifestFile.toFile());
        ((ArrayNode) manifest.get("files")).remove(4);
        Files.write(manifestFile, JSON.writeValueAsBytes(manifest));

        assertTrue(store.latest().isEmpty());
        assertTrue(store.verify().get(0).problems().toString().contains("does not list rank-00002.json"),
                store.verify().toString());
    }

    @Test
    void aReceiptTravelsAsJson() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        ShardReceipt receipt = store.writeShard(0, 2, Fixtures.parameters(manager, 7), Map.of(), state(6));

        String json = JSON.writeValueAsString(receipt);
        ShardReceipt back = JSON.readValue(json, ShardReceipt.class);

        assertEquals(receipt, back);
        assertTrue(json.contains("\"files\":[{\"path\":\"model.safetensors\""), json);
    }

    @Test
    void aReceiptOfAMeshPlaceTravelsAsJsonAndOldReceiptsMeanTheWholeModel() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, 3);
        ShardLayout layout = new ShardLayout(new ShardPlace(2, 1, 2, 1), 0, Map.of("w", new TensorSplit(0, 1)));
        ShardReceipt receipt = store.writeShard(3, 4, layout, Fixtures.parameters(manager, 7), Map.of(), state(6));

        String json = JSON.writeValueAsString(receipt);
        ShardReceipt back = JSON.readValue(json, ShardReceipt.class);

        assertEquals(receipt, back);
        assertEquals(new ShardPlace(2, 1, 2, 1), back.place());
        assertEquals("{\"tensorSize\":2,\"tensorRank\":1,\"pipelineSize\":2,\"pipelineStage\":1}",
                JSON.readTree(json).get("place").toString());
        // A receipt from a worker of the release before meshes has no place: the whole model.
        ObjectNode old = (ObjectNode) JSON.readTree(JSON.writeValueAsString(
                store.writeShard(1, 2, Fixtures.parameters(manager, 7), Map.of(), state(6))));
        old.remove("place");
        assertEquals(ShardPlace.WHOLE, JSON.treeToValue(old, ShardReceipt.class).place());
    }

    @Test
    void aCheckpointDeletedByRetentionWhileARankListsIsSkipped() throws Exception {
        CheckpointStore writer = CheckpointStore.open(root, 3);
        writer.save(Fixtures.parameters(manager, 7), Map.of(), state(1));
        writer.save(Fixtures.parameters(manager, 7), Map.of(), state(2));
        Path old = root.resolve("step-00000001");
        LocalCheckpointStorage local = new LocalCheckpointStorage();
        // Another process's retention deletes step 1 just as this one reads its manifest.
        CheckpointStorage racing = (CheckpointStorage) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {CheckpointStorage.class}, (proxy, method, args) -> {
                    if (method.getName().equals("readAllBytes") && ((Path) args[0]).startsWith(old)) {
                        local.deleteRecursively(old);
                    }
                    try {
                        return method.invoke(local, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        CheckpointStore rank = CheckpointStore.open(racing, root, 3);

        assertEquals(List.of(2L), rank.list().stream().map(CheckpointInfo::step).toList());
        assertEquals(3, rank.writeShard(1, 2, Fixtures.parameters(manager, 7), Map.of(), state(3)).step());
    }

    /** Every rank writes its shard on its own thread, as separate worker processes would. */
    private List<ShardReceipt> writeConcurrently(CheckpointStore store, int worldSize, long step,
                                                 IntToLongFunction seedOfRank) throws Exception {
        ExecutorService ranks = Executors.newFixedThreadPool(worldSize);
        try {
            List<Future<ShardReceipt>> futures = new ArrayList<>();
            for (int rank = 0; rank < worldSize; rank++) {
                int r = rank;
                Map<String, NDArray> parameters = Fixtures.parameters(manager, seedOfRank.applyAsLong(rank));
                Map<String, NDArray> optimizer = Map.of("sgd.momentum.head.weight",
                        manager.create(new float[] {r, 1, 2}));
                futures.add(ranks.submit(() -> store.writeShard(r, worldSize, parameters, optimizer, state(step))));
            }
            List<ShardReceipt> receipts = new ArrayList<>();
            for (Future<ShardReceipt> future : futures) {
                receipts.add(future.get());
            }
            return receipts;
        } finally {
            ranks.shutdownNow();
        }
    }

    private static TrainState state(long step) {
        return new TrainState(step, 5L, "spec", cursor(step), 1.0 / (step + 1));
    }

    private static String cursor(long step) {
        return "{\"batch\":" + step + "}";
    }

    /** Parameters that are equal for equal seeds: replicas. */
    static final class Fixtures {
        private Fixtures() {}

        static Map<String, NDArray> parameters(NDManager manager, long seed) {
            Random random = new Random(seed);
            float[] weight = new float[12];
            for (int i = 0; i < weight.length; i++) {
                weight[i] = (float) random.nextGaussian();
            }
            return Map.of("layer0.weight", manager.create(weight, new Shape(4, 3)),
                    "head.bias", manager.create(new double[] {seed, -0.0}));
        }
    }
}

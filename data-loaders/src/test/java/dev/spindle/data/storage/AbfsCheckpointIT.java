package dev.spindle.data.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.LoadedCheckpoint;
import dev.spindle.checkpoint.TrainState;
import dev.spindle.checkpoint.VerifyResult;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints written to, listed on and restored from Azurite over ABFS, against the same on a local disk. */
class AbfsCheckpointIT {

    @TempDir
    Path local;

    private NDManager manager;

    @BeforeEach
    void setUp() {
        Azurite.require();
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private Map<String, NDArray> parameters(float scale) {
        return Map.of("layer0.weight", manager.arange(12f).reshape(4, 3).mul(scale),
                "layer0.bias", manager.arange(4f).add(scale));
    }

    private void saveThree(CheckpointStore store) throws Exception {
        for (int step = 2; step <= 6; step += 2) {
            store.save(parameters(step), Map.of("sgd.velocity.layer0.bias", manager.ones(new ai.djl.ndarray.types.Shape(4))),
                    new TrainState(step, 5L, "sha256:spec", TrainState.EMPTY_CURSOR, 1.0 / step));
        }
    }

    @Test
    void savesRetainsAndRestoresLikeTheLocalStore() throws Exception {
        String root = Azurite.newContainer("ckpt") + "runs/tiny/checkpoints";
        CheckpointStore remote = Storage.checkpoints(root, 2);
        CheckpointStore disk = Storage.checkpoints(local.toString(), 2);
        saveThree(remote);
        saveThree(disk);

        List<CheckpointInfo> remoteList = remote.list();
        assertEquals(List.of(4L, 6L), remoteList.stream().map(CheckpointInfo::step).toList(), "retention keeps 2");
        assertEquals(disk.list().stream().map(CheckpointInfo::parametersDigest).toList(),
                remoteList.stream().map(CheckpointInfo::parametersDigest).toList());
        assertEquals(disk.list().stream().map(CheckpointInfo::bytes).toList(),
                remoteList.stream().map(CheckpointInfo::bytes).toList());
        assertEquals(root + "/step-00000006", remote.describe(remoteList.get(1).directory()));

        LoadedCheckpoint loaded = remote.load(remote.latest().orElseThrow(), manager);
        assertEquals(6L, loaded.state().step());
        assertArrayEquals(parameters(6).get("layer0.weight").toFloatArray(),
                loaded.parameters().get("layer0.weight").toFloatArray());
        for (VerifyResult result : remote.verify()) {
            assertTrue(result.valid(), result.toString());
        }
    }

    @Test
    void aStepWithoutManifestDoesNotExistAndTheManifestIsWrittenOnce() throws Exception {
        String container = Azurite.newContainer("ckpt");
        CheckpointStore store = Storage.checkpoints(container + "run", 5);
        saveThree(store);
        // What a writer that died before the manifest leaves: data files, no manifest.
        try (FileSystem fs = Azurite.fileSystem(container, Azurite.environment(Azurite.HOST + ":" + Azurite.PORT))) {
            try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(URI.create(container
                    + "run/step-00000008/model.safetensors")))) {
                out.write(new byte[] {1, 2, 3});
            }
            assertEquals(6L, store.latest().orElseThrow().step(), "a step directory without manifest is ignored");

            HadoopCheckpointStorage storage = new HadoopCheckpointStorage(fs);
            Path manifest = Path.of("/run/step-00000006/manifest.json");
            assertThrows(FileAlreadyExistsException.class, () -> storage.createExclusive(manifest, new byte[] {'{'}),
                    "the manifest is create-if-absent");
        }
        // The next save cleans the partial directory up and commits step 8 for real.
        store.save(parameters(8), Map.of(), new TrainState(8, 5L, "sha256:spec", TrainState.EMPTY_CURSOR, 0.1));
        assertEquals(8L, store.latest().orElseThrow().step());
        assertTrue(store.verify().stream().allMatch(VerifyResult::valid));
    }

    @Test
    void aWrongKeyFailsAtOnceWithOneLineNamingTheUri() {
        String location = Azurite.newContainer("denied") + "run";
        // A valid-looking key that is not Azurite's: the provider reads it when the file system starts.
        String wrong = java.util.Base64.getEncoder().encodeToString(new byte[64]);
        System.setProperty(AzureCredentials.STORAGE_KEY, wrong);
        long start = System.nanoTime();
        StorageException e;
        try {
            e = assertThrows(StorageException.class, () -> Storage.checkpoints(location, 1).list());
        } finally {
            System.clearProperty(AzureCredentials.STORAGE_KEY);
        }
        assertTrue(System.nanoTime() - start < java.util.concurrent.TimeUnit.SECONDS.toNanos(20),
                "a 403 is not retried");
        assertTrue(e.getMessage().contains(location) && e.getMessage().contains("403"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(!e.getMessage().contains(wrong), e.getMessage());
    }
}

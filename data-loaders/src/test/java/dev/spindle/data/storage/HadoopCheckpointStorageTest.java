package dev.spindle.data.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.TrainState;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Hadoop checkpoint storage on Hadoop's local file system: the same checkpoints as the java.nio store. */
class HadoopCheckpointStorageTest {

    @TempDir
    Path dir;

    @Test
    void writesTheSameCheckpointsAsTheLocalStore() throws Exception {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        HadoopCheckpointStorage storage = new HadoopCheckpointStorage(fs);
        CheckpointStore hadoop = CheckpointStore.open(storage, dir.resolve("hadoop"), 2);
        CheckpointStore local = CheckpointStore.open(dir.resolve("local"), 2);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int step = 1; step <= 3; step++) {
                Map<String, NDArray> parameters = Map.of("w", manager.arange(6f).mul(step));
                TrainState state = new TrainState(step, 1L, "sha256:s", TrainState.EMPTY_CURSOR, 0.5);
                hadoop.save(parameters, Map.of(), state);
                local.save(parameters, Map.of(), state);
            }
            List<CheckpointInfo> a = hadoop.list();
            List<CheckpointInfo> b = local.list();
            assertEquals(List.of(2L, 3L), a.stream().map(CheckpointInfo::step).toList());
            assertEquals(b.stream().map(CheckpointInfo::parametersDigest).toList(),
                    a.stream().map(CheckpointInfo::parametersDigest).toList());
            assertEquals(3L, hadoop.load(a.get(1), manager).state().step());
        }
        assertTrue(Files.isRegularFile(dir.resolve("hadoop/step-00000003/manifest.json")));
        assertEquals("file:" + dir.resolve("hadoop/step-00000003"), storage.describe(dir.resolve("hadoop/step-00000003")));
        assertThrows(FileAlreadyExistsException.class, () -> storage.createExclusive(
                dir.resolve("hadoop/step-00000003/manifest.json"), new byte[] {'{'}));
        assertThrows(IllegalArgumentException.class, () -> storage.exists(Path.of("relative")));
    }
}

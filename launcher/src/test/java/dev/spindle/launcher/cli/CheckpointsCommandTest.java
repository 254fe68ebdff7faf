package dev.spindle.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.ShardLayout;
import dev.spindle.checkpoint.ShardPlace;
import dev.spindle.checkpoint.ShardReceipt;
import dev.spindle.checkpoint.TensorSplit;
import dev.spindle.checkpoint.TrainState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spindle checkpoints list|verify} on a run whose checkpoints are split over a tensor × pipeline mesh. */
class CheckpointsCommandTest {

    @TempDir
    Path runDir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void listsAndVerifiesMeshCheckpointsAndReportsADamagedPlace() throws Exception {
        CheckpointStore store = CheckpointStore.open(runDir.resolve("checkpoints"), 3);
        CheckpointInfo info;
        try (NDManager manager = NDManager.newBaseManager()) {
            info = writeMesh(store, manager, 5);
        }

        assertEquals(SpindleCli.OK, run("checkpoints", "list", runDir.toString()), err.toString());
        assertTrue(out.toString().contains("step 5") && out.toString().contains(info.parametersDigest()), out.toString());
        assertEquals(SpindleCli.OK, run("checkpoints", "verify", runDir.toString()), err.toString());
        assertTrue(out.toString().contains("step 5: ok"), out.toString());

        Path place = info.directory().resolve("optimizer-t1-p1.safetensors");
        byte[] bytes = Files.readAllBytes(place);
        bytes[bytes.length - 1] ^= 1;
        Files.write(place, bytes);

        assertEquals(SpindleCli.FAILED, run("checkpoints", "verify", runDir.toString()));
        assertTrue(out.toString().contains("step 5: INVALID") && out.toString().contains("optimizer-t1-p1.safetensors"),
                out.toString());
    }

    /** tensor=2 × pipeline=2, one replica: each place a column slice of its stage's weight. */
    private static CheckpointInfo writeMesh(CheckpointStore store, NDManager manager, long step) throws Exception {
        TrainState state = new TrainState(step, 1L, "", TrainState.EMPTY_CURSOR, 0.25);
        List<ShardReceipt> receipts = new ArrayList<>();
        for (int rank = 0; rank < 4; rank++) {
            int t = rank % 2;
            int p = rank / 2;
            String name = "stage" + p + ".weight";
            NDArray piece = manager.arange(0f, 6f).reshape(2, 3).add(10 * rank);
            ShardLayout layout = new ShardLayout(new ShardPlace(2, t, 2, p), 0, Map.of(name, new TensorSplit(1, 1)));
            receipts.add(store.writeShard(rank, 4, layout, Map.of(name, piece), Map.of("m/" + name, piece.mul(2)),
                    state));
        }
        return store.commit(receipts);
    }

    private int run(String... args) {
        out.getBuffer().setLength(0);
        return SpindleCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }
}

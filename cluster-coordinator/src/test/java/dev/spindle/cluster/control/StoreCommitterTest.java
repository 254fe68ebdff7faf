package dev.spindle.cluster.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.ShardLayout;
import dev.spindle.checkpoint.ShardPlace;
import dev.spindle.checkpoint.ShardReceipt;
import dev.spindle.checkpoint.TensorSplit;
import dev.spindle.checkpoint.TrainState;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The coordinator's commit over a real CheckpointStore, with receipts that went through JSON as on the wire. */
class StoreCommitterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void commitsThreeRanksWhoseReceiptsTravelledAsJson() throws IOException {
        CheckpointStore store = CheckpointStore.open(dir, 3);
        CheckpointCommitter committer = CheckpointCommitter.of(store);
        try (NDManager manager = NDManager.newBaseManager()) {
            List<JsonNode> receipts = shards(store, manager, 3, 10, rank -> 1f);

            CheckpointInfo info = committer.commit(10, receipts);

            assertEquals(10, info.step());
            assertEquals(10, committer.latest().orElseThrow().step());
            assertEquals(store.describe(info.directory()), committer.describe(info));
        }
    }

    @Test
    void commitsAMeshWhoseReceiptsTravelledThroughPekkoSerialization() throws IOException {
        CheckpointStore store = CheckpointStore.open(dir, 3);
        CheckpointCommitter committer = CheckpointCommitter.of(store);
        ActorSystem<Void> wire = ActorSystem.create(Behaviors.empty(), "wire", ConfigFactory.parseString(
                "pekko.actor.serialization-bindings { \"dev.spindle.cluster.control.ControlMessage\" = jackson-json }")
                .withFallback(ConfigFactory.load()));
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray full = manager.arange(0f, 12f).reshape(2, 6);
            TrainState state = new TrainState(10, 1L, "spec", TrainState.EMPTY_CURSOR, 0.5);
            List<JsonNode> receipts = new ArrayList<>();
            for (int rank = 0; rank < 4; rank++) { // tensor=2 × data=2: ranks 0, 1 are replica 0, ranks 2, 3 replica 1
                int t = rank % 2;
                ShardLayout layout = new ShardLayout(new ShardPlace(2, t, 1, 0), rank / 2,
                        Map.of("w", new TensorSplit(1, 1)));
                NDArray piece = full.get(":, " + (3 * t) + ":" + (3 * t + 3));
                ShardReceipt receipt = store.writeShard(rank, 4, layout, Map.of("w", piece), Map.of(), state);
                receipts.add(overTheWire(wire, new Protocol.Shard(1, rank, 10, JSON.valueToTree(receipt))).receipt());
            }

            CheckpointInfo info = committer.commit(10, receipts);

            assertEquals(new ShardPlace(2, 1, 1, 0), JSON.treeToValue(receipts.get(3), ShardReceipt.class).place());
            NDArray gathered = store.loadGathered(info, manager).parameters().get("w");
            assertEquals(full.getShape(), gathered.getShape());
            assertTrue(full.contentEquals(gathered));
        } finally {
            wire.terminate();
        }
    }

    @Test
    void refusesDivergedReplicas() throws IOException {
        CheckpointStore store = CheckpointStore.open(dir, 3);
        CheckpointCommitter committer = CheckpointCommitter.of(store);
        try (NDManager manager = NDManager.newBaseManager()) {
            List<JsonNode> receipts = shards(store, manager, 3, 4, rank -> rank == 2 ? 2f : 1f);

            Exception refused = assertThrows(Exception.class, () -> committer.commit(4, receipts));

            assertTrue(refused.getMessage().contains("replicas diverged"), refused.getMessage());
            assertTrue(committer.latest().isEmpty());
        }
    }

    @Test
    void refusesAReceiptOfAnotherStep() throws IOException {
        CheckpointStore store = CheckpointStore.open(dir, 3);
        try (NDManager manager = NDManager.newBaseManager()) {
            List<JsonNode> receipts = shards(store, manager, 1, 6, rank -> 1f);

            IOException refused = assertThrows(IOException.class, () -> CheckpointCommitter.of(store).commit(8, receipts));

            assertTrue(refused.getMessage().contains("step 6"), refused.getMessage());
        }
    }

    /** The message as the coordinator gets it from a remote worker: through Pekko's jackson-json serializer. */
    private static Protocol.Shard overTheWire(ActorSystem<Void> system, Protocol.Shard shard) {
        Serialization serialization = SerializationExtension.get(system);
        Serializer serializer = serialization.findSerializerFor(shard);
        assertEquals("JacksonJsonSerializer", serializer.getClass().getSimpleName());
        byte[] bytes = serialization.serialize(shard).get();
        return (Protocol.Shard) serialization.deserialize(bytes, serializer.identifier(),
                Serializers.manifestFor(serializer, shard)).get();
    }

    interface Fill {
        float value(int rank);
    }

    private static List<JsonNode> shards(CheckpointStore store, NDManager manager, int ranks, long step, Fill fill)
            throws IOException {
        List<JsonNode> receipts = new ArrayList<>();
        for (int rank = 0; rank < ranks; rank++) {
            NDArray weight = manager.full(new ai.djl.ndarray.types.Shape(2, 3), fill.value(rank));
            TrainState state = new TrainState(step, 1L, "spec", TrainState.EMPTY_CURSOR, 0.5);
            receipts.add(JSON.valueToTree(store.writeShard(rank, ranks, Map.of("w", weight), Map.of(), state)));
        }
        return receipts;
    }
}

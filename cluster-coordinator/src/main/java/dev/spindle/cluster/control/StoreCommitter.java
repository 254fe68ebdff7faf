package dev.spindle.cluster.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.ShardReceipt;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link CheckpointCommitter} over a {@link CheckpointStore}: receipts are {@link ShardReceipt}s as JSON. */
final class StoreCommitter implements CheckpointCommitter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CheckpointStore store;

    StoreCommitter(CheckpointStore store) {
        if (store == null) {
            throw new IllegalArgumentException("CheckpointCommitter.of needs a CheckpointStore, got null");
        }
        this.store = store;
    }

    @Override
    public Optional<CheckpointInfo> latest() throws IOException {
        return store.latest();
    }

    @Override
    public CheckpointInfo commit(long step, List<JsonNode> receiptsByRank) throws IOException {
        List<ShardReceipt> receipts = new ArrayList<>(receiptsByRank.size());
        for (JsonNode json : receiptsByRank) {
            ShardReceipt receipt;
            try {
                receipt = JSON.treeToValue(json, ShardReceipt.class);
            } catch (JsonProcessingException | IllegalArgumentException e) {
                throw new IOException("a worker reported a shard receipt that is not one (" + e.getMessage() + "): " + json, e);
            }
            if (receipt.step() != step) {
                throw new IOException("rank " + receipt.rank() + " reported a receipt of step " + receipt.step()
                        + " for the checkpoint of step " + step);
            }
            receipts.add(receipt);
        }
        return store.commit(receipts);
    }

    @Override
    public String describe(CheckpointInfo info) {
        return store.describe(info.directory());
    }
}

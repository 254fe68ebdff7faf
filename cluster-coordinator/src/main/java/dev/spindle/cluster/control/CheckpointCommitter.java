package dev.spindle.cluster.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointStore;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The coordinator's side of the two-phase checkpoint commit: once every rank of a generation reported its
 * shard receipt for a step, {@link #commit} makes the checkpoint visible (writes the manifest). The
 * coordinator calls it on Pekko's blocking dispatcher, never on its own thread.
 *
 * <p>Receipts travel as JSON ({@link JsonNode}) so the control plane does not depend on the receipt's
 * class; an implementation over the checkpoint store converts them.
 *
 * <pre>{@code
 * CheckpointCommitter committer = CheckpointCommitter.of(store);
 * }</pre>
 */
public interface CheckpointCommitter {

    /** The newest committed checkpoint, which assignments tell workers to restore. */
    Optional<CheckpointInfo> latest() throws IOException;

    /**
     * Commits the checkpoint of {@code step}; {@code receiptsByRank.get(r)} is rank r's receipt. Throws
     * (for example "replicas diverged") to refuse.
     */
    CheckpointInfo commit(long step, List<JsonNode> receiptsByRank) throws IOException;

    /** Commits through {@link CheckpointStore#commit}; receipts are {@code ShardReceipt}s as JSON. */
    static CheckpointCommitter of(CheckpointStore store) {
        return new StoreCommitter(store);
    }

    /** How an assignment names the checkpoint's directory (default: the path as a string). */
    default String describe(CheckpointInfo info) {
        return info.directory().toString();
    }
}

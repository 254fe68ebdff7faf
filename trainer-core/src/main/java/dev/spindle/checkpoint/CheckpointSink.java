package dev.spindle.checkpoint;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * Where a trainer hands its checkpoints. A single process saves and commits at once
 * ({@link #of(CheckpointStore)}); a data-parallel worker writes its shard, reports the receipt to the
 * coordinator, which commits later, and so returns empty: the trainer only announces checkpoints
 * this process committed.
 *
 * <pre>{@code
 * CheckpointSink local = CheckpointSink.of(store);
 * CheckpointSink worker = (layout, parameters, optimizerState, state) -> {
 *     coordinator.reportShard(generation, store.writeShard(rank, worldSize, layout, parameters, optimizerState, state));
 *     return Optional.empty();
 * };
 * }</pre>
 */
@FunctionalInterface
public interface CheckpointSink {

    /**
     * Saves a checkpoint of {@code state.step()}; {@code layout} says which part of the model
     * {@code parameters} are ({@link ShardLayout#whole} for a whole model).
     *
     * @return the checkpoint if this call committed it, empty if something else commits it later
     */
    Optional<CheckpointInfo> save(ShardLayout layout, Map<String, NDArray> parameters, Map<String, NDArray> optimizerState,
                                  TrainState state) throws IOException;

    /** Saves and commits into {@code store} ({@link CheckpointStore#save}). */
    static CheckpointSink of(CheckpointStore store) {
        if (store == null) {
            throw new IllegalArgumentException("CheckpointSink.of needs a CheckpointStore, got null");
        }
        return (layout, parameters, optimizerState, state) -> {
            if (!layout.place().unsplit()) {
                throw new IllegalArgumentException("CheckpointSink.of saves a whole model in one process, but the"
                        + " trainer holds " + layout.place() + "; with tensor or pipeline parallelism every rank"
                        + " writes a shard (CheckpointStore.writeShard) and the coordinator commits");
            }
            return Optional.of(store.save(parameters, optimizerState, state));
        };
    }
}

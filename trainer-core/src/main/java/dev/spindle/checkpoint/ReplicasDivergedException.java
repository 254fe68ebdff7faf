package dev.spindle.checkpoint;

import java.nio.file.Path;

/**
 * {@link CheckpointStore#commit} refused a checkpoint because the ranks' parameter replicas differ:
 * data-parallel training went wrong (a missed all-reduce, a non-deterministic kernel, a rank that
 * restored another checkpoint), and committing any one replica would hide it.
 *
 * <pre>{@code
 * try {
 *     store.commit(receipts);
 * } catch (ReplicasDivergedException e) {
 *     events.emit("replicas-diverged", e.getMessage());
 * }
 * }</pre>
 */
public final class ReplicasDivergedException extends CheckpointException {

    private static final long serialVersionUID = 1L;

    public ReplicasDivergedException(Path directory, String message) {
        super(directory, message, null);
    }
}

package dev.spindle.train;

import ai.djl.ndarray.NDManager;

/**
 * An endless stream of batches for one worker (it wraps around epochs), with a position that can
 * be saved in a checkpoint and given back to the loader to continue exactly where it stopped.
 *
 * <p>Implemented by {@code data-loaders}; trainer-core treats the cursor as opaque JSON.
 */
public interface BatchSource extends AutoCloseable {

    /**
     * Returns the next batch, its arrays created in {@code manager} (the step's own sub-manager).
     * Blocks while the prefetcher catches up.
     */
    Batch next(NDManager manager);

    /** The position just after the last batch returned, as a JSON document. */
    String cursor();

    /** Stops background work and frees buffers. Safe to call twice. */
    @Override
    void close();
}

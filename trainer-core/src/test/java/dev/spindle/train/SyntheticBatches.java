package dev.spindle.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;

/**
 * A deterministic tabular stream for step-loop tests: batch {@code i} is a function of the seed and
 * {@code i} alone, and the cursor is the index of the next batch.
 */
final class SyntheticBatches implements BatchSource {

    private final long seed;
    private final int batchSize;
    private final int features;
    private final int classes;
    private long next;

    SyntheticBatches(long seed, int batchSize, int features, int classes, long start) {
        this.seed = seed;
        this.batchSize = batchSize;
        this.features = features;
        this.classes = classes;
        this.next = start;
    }

    /** A cursor as {@link #cursor()} writes it, read back. */
    static long position(String cursor) {
        return Long.parseLong(cursor.replaceAll("[^0-9]", ""));
    }

    @Override
    public Batch next(NDManager manager) {
        Random random = new Random(seed * 1_000_003L + next++);
        float[] x = new float[batchSize * features];
        int[] y = new int[batchSize];
        for (int row = 0; row < batchSize; row++) {
            int label = random.nextInt(classes);
            y[row] = label;
            for (int f = 0; f < features; f++) {
                // The label shifts one feature, so there is something to learn.
                x[row * features + f] = (float) random.nextGaussian() + (f % classes == label ? 1.5f : 0f);
            }
        }
        NDArray inputs = manager.create(x, new Shape(batchSize, features));
        NDArray labels = manager.create(y, new Shape(batchSize));
        return new Batch(inputs, labels, batchSize, 0);
    }

    @Override
    public String cursor() {
        return "{\"next\":" + next + "}";
    }

    @Override
    public void close() {}
}

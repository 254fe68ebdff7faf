package dev.spindle.train;

import ai.djl.ndarray.NDArray;

/**
 * One batch on its way into a training step.
 *
 * <pre>{@code
 * Batch whole = new Batch(inputs, labels, 32, 32 * 128);            // lossScale 1
 * Batch slice = new Batch(inputs, labels, 11, 11 * 128, 11 * 3 / 32.0); // a rank's part of 32 rows
 * }</pre>
 *
 * @param inputs tokens {@code int32 [batch, time]} or features {@code float32 [batch, features]}
 * @param labels next tokens {@code int32 [batch, time]} or classes {@code int32 [batch]}
 * @param samples the number of sequences or rows in the batch
 * @param tokens the number of target tokens in the batch ({@code 0} for tabular data)
 * @param lossScale the factor the trainer multiplies the loss by before backward: {@code b_r * N / B}
 *     for rank r's slice of a global batch, so that the data-parallel average of the gradients is
 *     the gradient of the global batch's mean loss; {@code 1} for a whole batch
 */
public record Batch(NDArray inputs, NDArray labels, int samples, long tokens, double lossScale) {

    public Batch {
        if (!(lossScale > 0) || Double.isInfinite(lossScale)) {
            throw new IllegalArgumentException("Batch.lossScale must be a finite number > 0, got " + lossScale);
        }
    }

    /** A whole batch: loss scale 1. */
    public Batch(NDArray inputs, NDArray labels, int samples, long tokens) {
        this(inputs, labels, samples, tokens, 1.0);
    }
}

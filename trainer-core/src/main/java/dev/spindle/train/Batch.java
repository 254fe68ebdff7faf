package dev.spindle.train;

import ai.djl.ndarray.NDArray;

/**
 * One batch on its way into a training step.
 *
 * @param inputs tokens {@code int32 [batch, time]} or features {@code float32 [batch, features]}
 * @param labels next tokens {@code int32 [batch, time]} or classes {@code int32 [batch]}
 * @param samples the number of sequences or rows in the batch
 * @param tokens the number of target tokens in the batch ({@code 0} for tabular data)
 */
public record Batch(NDArray inputs, NDArray labels, int samples, long tokens) {}

package dev.spindle.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Scalar operands for operations inside an autograd graph.
 *
 * <p>DJL's {@code NDArray.mul(Number)} and its siblings wrap the number in a tensor that aliases a
 * Java direct buffer and close that tensor right after the operation. Autograd keeps the operand for
 * the backward pass (the gradient of {@code x * c} is {@code grad * c}), so when the garbage
 * collector frees the buffer in between, backward reads freed memory: gradients turn to NaN or
 * garbage at random steps, more often with a small heap. A scalar made by {@code full} is owned by
 * libtorch, and autograd's reference keeps it alive.
 *
 * <pre>{@code
 * NDArray scaled = scores.mul(Scalars.of(scores, 1.0 / Math.sqrt(headSize)));
 * }</pre>
 */
public final class Scalars {

    private Scalars() {}

    /** A 0-d tensor holding {@code value}, with the type, device and manager of {@code like}. */
    public static NDArray of(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, like.getDataType());
    }
}

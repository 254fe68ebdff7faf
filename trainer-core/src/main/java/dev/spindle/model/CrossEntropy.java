package dev.spindle.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Mean cross-entropy of logits against integer class labels, the loss every built-in model uses.
 *
 * <pre>{@code
 * NDArray loss = CrossEntropy.mean(logits, labels); // logits [..., C], labels [...]
 * }</pre>
 */
public final class CrossEntropy {

    private CrossEntropy() {}

    /**
     * Returns the scalar mean over all positions of {@code -log softmax(logits)[label]}. The result
     * and every intermediate live in the manager of {@code logits}.
     *
     * @param logits {@code [..., classes]}
     * @param labels integer classes, one per row of {@code logits} (any shape with that many values)
     */
    public static NDArray mean(NDArray logits, NDArray labels) {
        long classes = logits.getShape().tail();
        long rows = logits.size() / classes;
        if (labels.size() != rows) {
            throw new IllegalArgumentException("labels: got shape " + labels.getShape()
                    + ", expected " + rows + " values to match logits of shape " + logits.getShape());
        }
        if (labels.getDataType().isFloating()) {
            throw new IllegalArgumentException("labels: got data type " + labels.getDataType()
                    + ", expected integer class ids");
        }
        NDArray logProbabilities = logits.reshape(rows, classes).logSoftmax(1);
        // gather wants int64 indices; the copy lives in the labels' (step) manager
        NDArray index = labels.reshape(rows, 1).toType(DataType.INT64, false);
        return logProbabilities.gather(index, 1).mean().neg();
    }
}

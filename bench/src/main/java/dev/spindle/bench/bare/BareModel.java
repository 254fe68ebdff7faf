package dev.spindle.bench.bare;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.List;

/**
 * A network written directly on DJL NDArrays for the bare loops: its parameters and its loss.
 *
 * <p>Every array {@link #loss} makes lives in the manager of {@code input}, so a step that attaches
 * its batch to a sub-manager frees the whole forward and backward graph when that closes.
 */
interface BareModel {

    /** Parameter names in {@link #parameters()} order, in the lead's naming (torch / GPT-2 style). */
    List<String> parameterNames();

    /** The trainable leaf arrays, gradients attached. */
    NDList parameters();

    /** Mean cross-entropy of the network's prediction for {@code input} against int64 {@code labels}. */
    NDArray loss(NDArray input, NDArray labels);

    /** Mean cross-entropy of {@code logits [..., classes]} against int64 {@code labels [...]}. */
    static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray picked = logits.logSoftmax(-1).gather(labels.expandDims(-1), -1);
        return picked.mean().neg();
    }
}

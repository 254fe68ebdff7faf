package dev.spindle.parallel.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.spindle.checkpoint.TensorSplit;
import dev.spindle.model.Parameters;
import dev.spindle.parallel.tensor.Tape;
import java.util.Map;
import java.util.Set;

/**
 * What one rank of a tensor × pipeline mesh holds of a model: its parameters and a forward pass over
 * one micro-batch whose collectives go through a {@link Tape}. {@code dev.spindle.model.gpt.GptShard}
 * is one.
 */
public interface PipelineStage {

    /**
     * One micro-batch: tokens on the first stage, the previous stage's activation (to pass through
     * {@link Tape#input}) on the others; returns the activation for the next stage, or on the last
     * stage the mean loss against {@code labels}.
     */
    NDArray forward(Tape tape, NDArray input, NDArray labels, boolean training);

    /** The shape of the activation this stage's neighbours exchange for an input batch of {@code inputShape}. */
    Shape activationShape(Shape inputShape);

    /** This rank's parameters. */
    Parameters parameters();

    /** How each parameter was cut among the tensor-parallel ranks. */
    Map<String, TensorSplit> splits();

    /** Parameters held by both the first and the last stage, whose gradients are summed between them. */
    Set<String> tiedNames();
}

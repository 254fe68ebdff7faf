package dev.spindle.parallel.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.spindle.collective.Collectives;
import dev.spindle.collective.ReduceOp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The explicit backward pass of one micro-batch on one rank, across the collectives that libtorch's
 * autograd cannot see.
 *
 * <p>DJL has no autograd functions of its own, so a collective inside a forward pass cuts the graph:
 * the forward goes on from a fresh leaf, and {@link #backward} later drives each cut by hand, newest
 * first, calling libtorch's backward on the piece before the cut with the gradient its leaf
 * collected (what {@code output.backward(grad)} does). The cuts are Megatron-LM's two conjugate
 * operators over the tensor-parallel group:
 * <ul>
 *   <li>{@link #reduceForward} ("g"): the sum over the group in forward, the identity in backward
 *       (after a row-parallel layer, whose ranks each hold a partial sum);</li>
 *   <li>{@link #reduceBackward} ("f"): the identity in forward, the sum over the group in backward
 *       (before a column-parallel layer, whose ranks each contribute part of the input's gradient);</li>
 *   <li>{@link #boundary}: a plain cut, so that the residual stream's earlier layers are traversed
 *       once per backward, not once per branch.</li>
 * </ul>
 * Each piece of graph is backpropagated once and then freed, so the graphs of two cuts must not
 * overlap: where two reductions start from one array, cut that array with {@link #boundary} first.
 * With a group of one these are the identity and make no cut. {@link #input} makes the leaf a
 * pipeline stage starts from, whose gradient {@link #backward} returns for the previous stage.
 *
 * <p>Every array the tape makes lives in the manager of the array it starts from (the micro-batch's).
 * Forward must run with libtorch's grad mode on in the calling thread ({@code JniUtils.setGradMode}),
 * unless the tape is {@linkplain #Tape(Collectives, boolean) for inference}, which makes no cuts.
 *
 * <pre>{@code
 * Tape tape = new Tape(tensorGroup, true);
 * NDArray h = tape.reduceBackward(layerNorm(x));        // f
 * NDArray y = x.add(tape.reduceForward(rowParallel(columnParallel(h))));   // g
 * tape.backward(loss, null);                            // drives every cut, newest first
 * }</pre>
 */
public final class Tape {

    private final Collectives group;
    private final boolean training;
    private final List<Cut> cuts = new ArrayList<>();
    private NDArray input;

    /**
     * @param group the tensor-parallel group whose partial results the cuts combine ({@link
     *     Collectives#single()} for none)
     * @param training whether a backward pass follows; without it the tape only combines values
     */
    public Tape(Collectives group, boolean training) {
        if (group == null) {
            throw new IllegalArgumentException("Tape needs a tensor-parallel group; pass Collectives.single() for none");
        }
        this.group = group;
        this.training = training;
    }

    /** The tensor-parallel group the cuts reduce over. */
    public Collectives group() {
        return group;
    }

    /**
     * The leaf a pipeline stage starts from: {@code received} (an activation from the previous stage)
     * as an array that collects its gradient. Call once, before any cut.
     */
    public NDArray input(NDArray received) {
        if (input != null || !cuts.isEmpty()) {
            throw new IllegalStateException("Tape.input must be the tape's first call, and only one");
        }
        input = training ? leaf(received) : received;
        return input;
    }

    /** A plain cut (nothing is communicated); the identity with a group of one or for inference. */
    public NDArray boundary(NDArray y) {
        if (group.worldSize() == 1 || !training) {
            return y;
        }
        NDArray leaf = leaf(y);
        cuts.add(new Cut(y, leaf, false));
        return leaf;
    }

    /** "g": the sum of {@code y} over the group going forward, its gradient unchanged going back. */
    public NDArray reduceForward(NDArray y) {
        if (group.worldSize() == 1) {
            return y;
        }
        NDArray sum = reduced(y, ReduceOp.SUM);
        if (!training) {
            return sum;
        }
        sum.setRequiresGradient(true);
        cuts.add(new Cut(y, sum, false));
        return sum;
    }

    /** "f": {@code y} unchanged going forward, the sum of its gradient over the group going back. */
    public NDArray reduceBackward(NDArray y) {
        if (group.worldSize() == 1 || !training) {
            return y;
        }
        NDArray leaf = leaf(y);
        cuts.add(new Cut(y, leaf, true));
        return leaf;
    }

    /**
     * {@code y} combined over the group with {@code op}, as a constant: no gradient flows through it
     * (a softmax's running maximum, say). {@code y} itself is left alone.
     */
    public NDArray constant(NDArray y, ReduceOp op) {
        NDArray value = y.stopGradient();
        return group.worldSize() == 1 ? value : reduced(value, op);
    }

    /**
     * Backpropagates {@code output} (a scalar loss when {@code outputGradient} is null, or an activation
     * with the gradient the next stage sent), then every cut, newest first. Parameter gradients
     * accumulate, as they do across micro-batches.
     *
     * @return the gradient of {@link #input}'s leaf, or null when the tape has no input
     */
    public NDArray backward(NDArray output, NDArray outputGradient) {
        if (!training) {
            throw new IllegalStateException("this tape was made for inference (training = false): it has no graph");
        }
        NDArray gradient = outputGradient;
        if (gradient == null) {
            if (output.getShape().size() != 1) {
                throw new IllegalArgumentException("backward without a gradient needs a scalar output, got shape "
                        + output.getShape());
            }
            gradient = output.getManager().ones(output.getShape(), output.getDataType());
        } else if (!gradient.getShape().equals(output.getShape())) {
            throw new IllegalArgumentException("backward: the gradient has shape " + gradient.getShape()
                    + " but the output " + output.getShape());
        }
        JniUtils.backward((PtNDArray) output, (PtNDArray) gradient, false, false);
        for (int i = cuts.size() - 1; i >= 0; i--) {
            Cut cut = cuts.get(i);
            NDArray leafGradient = gradientOf(cut.leaf());
            if (leafGradient == null) {
                continue; // nothing after the cut depended on it
            }
            if (cut.reduceGradient()) {
                NDArray summed = reduced(leafGradient, ReduceOp.SUM);
                leafGradient.close();
                leafGradient = summed;
            }
            JniUtils.backward((PtNDArray) cut.source(), (PtNDArray) leafGradient, false, false);
        }
        cuts.clear();
        return input == null ? null : gradientOf(input);
    }

    private static NDArray leaf(NDArray y) {
        NDArray leaf = y.stopGradient();
        leaf.setRequiresGradient(true);
        return leaf;
    }

    /** The gradient {@code leaf} collected, in the leaf's manager, or null when backward never reached it. */
    private static NDArray gradientOf(NDArray leaf) {
        PtNDArray gradient = JniUtils.getGradient((PtNDArray) leaf);
        if (gradient != null) {
            gradient.attach(leaf.getManager());
        }
        return gradient;
    }

    /** A new array holding {@code y} combined over the group, in {@code y}'s manager; no graph. */
    private NDArray reduced(NDArray y, ReduceOp op) {
        if (y.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("tensor-parallel collectives carry float32, got " + y.getDataType());
        }
        Shape shape = y.getShape();
        ByteBuffer bytes = ByteBuffer.allocateDirect(Math.toIntExact(shape.size() * Float.BYTES))
                .order(ByteOrder.nativeOrder());
        bytes.put(y.toByteBuffer());
        bytes.flip();
        group.allReduce(bytes.asFloatBuffer(), op);
        NDManager manager = y.getManager();
        // An array made from a direct buffer aliases it; autograd may keep that storage past the
        // handle, so the result is a copy libtorch owns.
        try (NDArray aliased = manager.create(bytes, shape, DataType.FLOAT32)) {
            return aliased.duplicate();
        }
    }

    /** A cut: {@code source} (with its graph) continues as {@code leaf}; backward carries the leaf's gradient over. */
    private record Cut(NDArray source, NDArray leaf, boolean reduceGradient) {}
}

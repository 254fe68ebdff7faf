package dev.spindle.cluster.bench;

import dev.spindle.model.gpt.GptConfig;

/**
 * The all-reduce traffic of one forward and backward pass of a {@link dev.spindle.model.gpt.GptShard}
 * split T ways (one pipeline stage holding the whole model), derived from the model's structure, for
 * the tensor-parallel benchmark to compare with what it counts.
 *
 * <p>With {@code N = batch × sequence} positions and hidden width {@code H}:
 * <ul>
 *   <li>forward: per block 2 all-reduces of {@code N·H} (after the row-parallel attention and MLP
 *       projections); the vocabulary-parallel token embedding 1 of {@code N·H}; the vocabulary-parallel
 *       cross-entropy 3 of {@code N} (row maxima, sums of exponentials, target logits);</li>
 *   <li>backward: per block 2 of {@code N·H} (the gradients of the two layer-norm outputs that feed
 *       column-parallel layers); the final layer norm's output 1 of {@code N·H}. The forward sums'
 *       backward is the identity and the embedding's gradient stays local.</li>
 * </ul>
 * So a step all-reduces {@code (4L + 2)·N·H + 3N} floats in {@code 4L + 5} calls. A ring all-reduce
 * sends (and receives) {@code 2(T−1)/T} of each buffer per rank. With T = 1 nothing is communicated.
 *
 * <pre>{@code
 * long floats = TensorVolume.floatsPerStep(config, 8, 64, 2);
 * long bytesOut = TensorVolume.ringBytesPerRank(floats, 2);
 * }</pre>
 */
public final class TensorVolume {

    private TensorVolume() {}

    /** Floats in the buffers of one step's all-reduces (forward and backward) on each rank. */
    public static long floatsPerStep(GptConfig config, int batch, int sequence, int tensor) {
        return forwardFloats(config, batch, sequence, tensor) + backwardFloats(config, batch, sequence, tensor);
    }

    /** The forward pass's share of {@link #floatsPerStep}. */
    public static long forwardFloats(GptConfig config, int batch, int sequence, int tensor) {
        check(batch, sequence, tensor);
        if (tensor == 1) {
            return 0;
        }
        long positions = (long) batch * sequence;
        long activation = positions * config.hiddenSize();
        return (2L * config.layers() + 1) * activation + 3 * positions;
    }

    /** The backward pass's share of {@link #floatsPerStep}. */
    public static long backwardFloats(GptConfig config, int batch, int sequence, int tensor) {
        check(batch, sequence, tensor);
        if (tensor == 1) {
            return 0;
        }
        long activation = (long) batch * sequence * config.hiddenSize();
        return (2L * config.layers() + 1) * activation;
    }

    /** All-reduce calls in one step: {@code 4L + 5}, or none for T = 1. */
    public static long callsPerStep(GptConfig config, int tensor) {
        check(1, 1, tensor);
        return tensor == 1 ? 0 : 4L * config.layers() + 5;
    }

    /** Bytes each rank sends (and receives) for all-reduces of {@code floats} floats in a ring of {@code tensor}. */
    public static long ringBytesPerRank(long floats, int tensor) {
        check(1, 1, tensor);
        return floats * Float.BYTES * 2 * (tensor - 1) / tensor;
    }

    private static void check(int batch, int sequence, int tensor) {
        if (batch < 1 || sequence < 1 || tensor < 1) {
            throw new IllegalArgumentException("TensorVolume: got batch " + batch + ", sequence " + sequence
                    + ", tensor " + tensor + "; expected all >= 1");
        }
    }
}

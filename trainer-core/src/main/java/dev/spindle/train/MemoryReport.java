package dev.spindle.train;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.spindle.model.Parameters;
import dev.spindle.parallel.mesh.MeshCoordinate;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/**
 * What one rank holds in memory for training, measured by the {@link Trainer} after the first step of a run
 * and delivered through {@link TrainListener#onMemory}. Sizes are the arrays' element counts times their
 * data type's width: what libtorch allocated for them, not counting its allocator's slack, the engine's
 * workspace or the JVM.
 *
 * <pre>{@code
 * listener = new TrainListener() {
 *     public void onMemory(MemoryReport m) { System.out.println(m.summary()); }
 * };
 * // "rank 0 (data 0, tensor 0, pipeline 0): parameters 3.2 MiB, gradients 3.2 MiB, optimizer 6.4 MiB,
 * //  activations peak 325.3 MiB (1 micro-batch), total 338.0 MiB"   (examples/gpt, batch 32 × 64 tokens)
 * }</pre>
 *
 * @param rank the rank in the job's world (0 for a single process)
 * @param coordinate where the rank sits in the data × tensor × pipeline mesh; a data-parallel or single run is
 *     {@code (rank, 0, 0)}
 * @param step the step after which it was measured (1-based)
 * @param parameterBytes every parameter this rank holds, frozen ones included
 * @param gradientBytes the gradients of the trainable parameters (one per trainable parameter, same shape)
 * @param optimizerBytes the optimizer's state arrays ({@link dev.spindle.optim.Optimizer#state()})
 * @param peakActivationBytes the most bytes the step's forward passes held at once: batches, activations
 *     and the autograd outputs kept for backward (arrays that view another's memory counted at their own
 *     size, so an upper bound)
 * @param peakMicroBatches the most micro-batches whose activations were held at once
 */
public record MemoryReport(int rank, MeshCoordinate coordinate, long step, long parameterBytes, long gradientBytes,
                           long optimizerBytes, long peakActivationBytes, int peakMicroBatches) {

    private static final double MIB = 1024.0 * 1024.0;

    public MemoryReport {
        if (rank < 0 || coordinate == null || step < 0 || parameterBytes < 0 || gradientBytes < 0
                || optimizerBytes < 0 || peakActivationBytes < 0 || peakMicroBatches < 0) {
            throw new IllegalArgumentException("MemoryReport needs a rank, a coordinate and sizes >= 0, got rank "
                    + rank + ", coordinate " + coordinate + ", step " + step + ", parameterBytes " + parameterBytes
                    + ", gradientBytes " + gradientBytes + ", optimizerBytes " + optimizerBytes
                    + ", peakActivationBytes " + peakActivationBytes + ", peakMicroBatches " + peakMicroBatches);
        }
    }

    /** Parameters, gradients, optimizer state and peak activations together: the rank's training footprint. */
    public long totalBytes() {
        return parameterBytes + gradientBytes + optimizerBytes + peakActivationBytes;
    }

    /**
     * One line for a person: "rank 3 (data 0, tensor 1, pipeline 1): parameters 0.041 MiB, gradients 0.041 MiB,
     * optimizer 0.081 MiB, activations peak 0.585 MiB (1 micro-batch), total 0.747 MiB".
     */
    public String summary() {
        return String.format(Locale.ROOT, "rank %d (data %d, tensor %d, pipeline %d): parameters %s, gradients %s,"
                        + " optimizer %s, activations peak %s (%d micro-batch%s), total %s", rank, coordinate.data(),
                coordinate.tensor(), coordinate.pipeline(), mib(parameterBytes), mib(gradientBytes), mib(optimizerBytes),
                mib(peakActivationBytes), peakMicroBatches, peakMicroBatches == 1 ? "" : "es", mib(totalBytes()));
    }

    /** {@code bytes} in MiB with one decimal, or three for less than 1 MiB ("0.041 MiB"). */
    public static String mib(long bytes) {
        double value = bytes / MIB;
        return String.format(Locale.ROOT, value < 1 ? "%.3f MiB" : "%.1f MiB", value);
    }

    /** The bytes of one array: its elements times its data type's width. */
    static long bytesOf(NDArray array) {
        return array.size() * array.getDataType().getNumOfBytes();
    }

    /** Every parameter's bytes. */
    static long parameterBytes(Parameters parameters) {
        return sum(parameters.asMap().values());
    }

    /** The bytes of the trainable parameters' gradients (each the shape and type of its parameter). */
    static long gradientBytes(Parameters parameters) {
        long total = 0;
        for (String name : parameters.trainableNames()) {
            total += bytesOf(parameters.get(name));
        }
        return total;
    }

    /** The bytes of an optimizer's state arrays. */
    static long stateBytes(Map<String, NDArray> state) {
        return sum(state.values());
    }

    /** The bytes of the arrays {@code manager} (and its sub-managers) still holds open. */
    public static long liveBytes(NDManager manager) {
        long total = 0;
        for (NDArray array : ((BaseNDManager) manager).getManagedArrays()) {
            if (!array.isReleased()) {
                total += bytesOf(array);
            }
        }
        return total;
    }

    private static long sum(Collection<NDArray> arrays) {
        long total = 0;
        for (NDArray array : arrays) {
            total += bytesOf(array);
        }
        return total;
    }
}

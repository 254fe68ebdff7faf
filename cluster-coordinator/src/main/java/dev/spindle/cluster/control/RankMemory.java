package dev.spindle.cluster.control;

import dev.spindle.train.MemoryReport;

/**
 * One rank's memory for training, sent once per generation after its first step; the coordinator writes it
 * to {@code events.jsonl} as a {@code rank-memory} event.
 *
 * <pre>{@code
 * node.reportMemory(RankMemory.of(assignment.generation(), memoryReport));
 * }</pre>
 *
 * @param generation the generation the rank trains in
 * @param rank the reporting rank
 * @param data the rank's data-parallel replica in the mesh
 * @param tensor its tensor-parallel rank
 * @param pipeline its pipeline stage
 * @param step the step after which it was measured
 * @param parameterBytes every parameter the rank holds
 * @param gradientBytes the gradients of its trainable parameters
 * @param optimizerBytes its optimizer's state
 * @param peakActivationBytes the most activation bytes a step held at once
 * @param peakMicroBatches the most micro-batches held at once
 * @see MemoryReport
 */
public record RankMemory(long generation, int rank, int data, int tensor, int pipeline, long step,
                         long parameterBytes, long gradientBytes, long optimizerBytes, long peakActivationBytes,
                         int peakMicroBatches) implements ControlMessage {

    public RankMemory {
        if (rank < 0 || data < 0 || tensor < 0 || pipeline < 0 || step < 0 || parameterBytes < 0 || gradientBytes < 0
                || optimizerBytes < 0 || peakActivationBytes < 0 || peakMicroBatches < 0) {
            throw new IllegalArgumentException("RankMemory needs a rank, coordinates, a step and sizes >= 0, got rank "
                    + rank + " at (" + data + ", " + tensor + ", " + pipeline + "), step " + step + ", bytes "
                    + parameterBytes + "/" + gradientBytes + "/" + optimizerBytes + "/" + peakActivationBytes
                    + ", micro-batches " + peakMicroBatches);
        }
    }

    /** The trainer's report of a rank of {@code generation}. */
    public static RankMemory of(long generation, MemoryReport m) {
        return new RankMemory(generation, m.rank(), m.coordinate().data(), m.coordinate().tensor(),
                m.coordinate().pipeline(), m.step(), m.parameterBytes(), m.gradientBytes(), m.optimizerBytes(),
                m.peakActivationBytes(), m.peakMicroBatches());
    }

    /** Parameters, gradients, optimizer state and peak activations together. */
    public long totalBytes() {
        return parameterBytes + gradientBytes + optimizerBytes + peakActivationBytes;
    }
}

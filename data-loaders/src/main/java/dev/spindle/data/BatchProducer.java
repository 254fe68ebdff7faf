package dev.spindle.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;

/**
 * Fills batch buffers from the shuffle window, on whichever thread drives the loader (the prefetch
 * thread, or the consumer when prefetch is 0). Not thread-safe: one driver at a time.
 */
final class BatchProducer implements AutoCloseable {

    /** Reused direct buffers for one batch plus the loader state right after it. */
    static final class Slot {
        final ByteBuffer inputs;
        final ByteBuffer labels;
        int samples;
        long tokens;
        ShuffleWindow.State after;

        long bytes() {
            return (long) inputs.capacity() + labels.capacity();
        }

        Slot(int inputBytes, int labelBytes) {
            inputs = ByteBuffer.allocateDirect(inputBytes).order(ByteOrder.nativeOrder());
            labels = ByteBuffer.allocateDirect(labelBytes).order(ByteOrder.nativeOrder());
        }
    }

    private final LoaderOptions options;
    private final UnitReader reader;
    private final ShuffleWindow window;

    BatchProducer(Dataset dataset, LoaderOptions options, UnitReader reader, ShuffleWindow.State start) {
        this.options = options;
        this.reader = reader;
        ShardPlan plan = new ShardPlan(dataset.units().size(), options.rank(), options.worldSize(),
                options.shuffleBuffer() > 0, options.seed());
        int sampleTokens = options.kind() == DatasetKind.TOKENS ? options.sequenceLength() + 1 : 0;
        SampleStream stream = new SampleStream(dataset, plan, reader, sampleTokens);
        this.window = new ShuffleWindow(stream, plan, Math.max(1, options.shuffleBuffer()), options.loop(),
                options.rank(), options.kind(), sampleTokens, dataset.layout().features().size());
        window.restore(start);
    }

    Slot newSlot() {
        int b = options.batchSize();
        if (options.kind() == DatasetKind.TOKENS) {
            int bytes = Math.multiplyExact(Math.multiplyExact(b, options.sequenceLength()), Integer.BYTES);
            return new Slot(bytes, bytes);
        }
        return new Slot(Math.multiplyExact(Math.multiplyExact(b, window.featureWidth()), Float.BYTES),
                b * Integer.BYTES);
    }

    /** Fills {@code slot} with the next batch; false when a one-pass loader has no full batch left. */
    boolean fill(Slot slot) {
        int b = options.batchSize();
        if (options.kind() == DatasetKind.TOKENS) {
            int t = options.sequenceLength();
            int w = t + 1;
            IntBuffer in = slot.inputs.clear().asIntBuffer();
            IntBuffer out = slot.labels.clear().asIntBuffer();
            for (int i = 0; i < b; i++) {
                int s = window.next();
                if (s < 0) {
                    return false;
                }
                in.put(window.tokens, s * w, t);
                out.put(window.tokens, s * w + 1, t);
            }
            slot.tokens = (long) b * t;
        } else {
            int f = window.featureWidth();
            FloatBuffer in = slot.inputs.clear().asFloatBuffer();
            IntBuffer out = slot.labels.clear().asIntBuffer();
            for (int i = 0; i < b; i++) {
                int s = window.next();
                if (s < 0) {
                    return false;
                }
                in.put(window.features, s * f, f);
                out.put(window.labels[s]);
            }
            slot.tokens = 0;
        }
        slot.samples = b;
        slot.after = window.state();
        return true;
    }

    @Override
    public void close() {
        reader.close();
    }
}

package dev.spindle.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.spindle.train.Batch;
import dev.spindle.train.BatchSource;
import java.nio.ByteBuffer;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The {@link BatchSource} that {@link DataLoaders#open} returns: batches from Arrow record batches,
 * optionally prepared ahead on a daemon thread. Its {@link #cursor()} describes the position after the
 * last batch handed out, however far the prefetcher has run ahead.
 *
 * <pre>{@code
 * try (BatchSource source = DataLoaders.open(options, savedCursor);
 *         NDManager step = root.newSubManager()) {
 *     Batch b = source.next(step);
 *     long waited = ((ArrowBatchSource) source).waitNanos();
 * }
 * }</pre>
 */
public final class ArrowBatchSource implements BatchSource {

    private static final Object END = new Object();
    /** How often a parked prefetch thread checks whether the loader was closed. */
    private static final long POLL_MILLIS = 10;

    private record Failure(Throwable cause) {}

    private final Dataset dataset;
    private final LoaderOptions options;
    private final BufferAllocator allocator;
    private final BatchProducer producer;
    private final BlockingQueue<Object> ready;
    private final BlockingQueue<BatchProducer.Slot> free;
    private final BatchProducer.Slot syncSlot;
    private final Thread thread;
    private final UnitReader reader;
    private final long prefetchCapacityBytes;
    private volatile long produced;

    private ShuffleWindow.State handed;
    private long batches;
    private long waitNanos;
    private Object peeked;
    private volatile boolean closed;

    ArrowBatchSource(Dataset dataset, LoaderOptions options, BufferAllocator allocator, ShuffleWindow.State start,
            long batches, IngestionLog log) {
        this.dataset = dataset;
        this.options = options;
        this.allocator = allocator;
        this.handed = start;
        this.batches = batches;
        IngestionTracker tracker = log == null ? null : new IngestionTracker(dataset,
                new ShardPlan(dataset.units().size(), options.rank(), options.worldSize(), options.shuffleBuffer() > 0,
                        options.seed()), options.rank(), log);
        UnitReader reader = new UnitReader(dataset, allocator, tracker);
        this.reader = reader;
        try {
            this.producer = new BatchProducer(dataset, options, reader, start);
        } catch (RuntimeException e) {
            reader.close();
            throw e;
        }
        if (options.prefetch() == 0) {
            ready = null;
            free = null;
            thread = null;
            syncSlot = producer.newSlot();
            prefetchCapacityBytes = 0;
            return;
        }
        // One slot more than the queue holds, so the producer fills one while `prefetch` wait; fewer when the
        // byte bound says so. Every prepared batch lives in a slot, so slots x slot size bounds the lead in bytes.
        BatchProducer.Slot first = producer.newSlot();
        long slotBytes = first.bytes();
        if (slotBytes > options.prefetchBytes()) {
            reader.close();
            throw new IllegalArgumentException("prefetchBytes: " + options.prefetchBytes() + " is less than one batch ("
                    + slotBytes + " bytes for batchSize " + options.batchSize() + "); raise prefetchBytes or lower"
                    + " batchSize");
        }
        int slots = (int) Math.min(options.prefetch() + 1L, options.prefetchBytes() / slotBytes);
        this.prefetchCapacityBytes = slots * slotBytes;
        free = new ArrayBlockingQueue<>(slots);
        free.add(first);
        for (int i = 1; i < slots; i++) {
            free.add(producer.newSlot());
        }
        ready = new ArrayBlockingQueue<>(slots + 1);
        syncSlot = null;
        thread = new Thread(this::prefetchLoop, "spindle-prefetch-rank" + options.rank());
        thread.setDaemon(true);
        thread.start();
    }

    private void prefetchLoop() {
        try {
            while (!closed) {
                BatchProducer.Slot slot = free.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (slot == null) {
                    continue;
                }
                Object item = producer.fill(slot) ? slot : END;
                if (item == slot) {
                    produced++;
                }
                while (!closed && !ready.offer(item, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                    // the consumer is busy; keep checking for close()
                }
                if (item == END) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // Nobody interrupts this thread on purpose (see close()); if someone does, the consumer must hear.
            ready.offer(new Failure(e));
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            // Room is reserved in `ready` for this one marker; the consumer rethrows it with the cause.
            ready.offer(new Failure(t));
        }
    }

    @Override
    public Batch next(NDManager manager) {
        Object item = take();
        if (item == END) {
            peeked = END;
            throw new NoSuchElementException("one pass over " + options.uri() + " is complete after " + batches
                    + " batches (rank " + options.rank() + " of " + options.worldSize() + ")");
        }
        if (item instanceof Failure f) {
            peeked = f;
            throw new DataException("reading " + options.uri() + " failed"
                    + (thread != null ? " on the prefetch thread: " : ": ") + f.cause().getMessage(), f.cause());
        }
        BatchProducer.Slot slot = (BatchProducer.Slot) item;
        try {
            Batch batch = toBatch(manager, slot);
            handed = slot.after;
            batches++;
            return batch;
        } finally {
            if (free != null) {
                free.add(slot);
            }
        }
    }

    /** True while a one-pass loader has another full batch; always true for an endless one that works. */
    public boolean hasNext() {
        if (peeked == null) {
            peeked = fetch();
        }
        return peeked != END && !(peeked instanceof Failure);
    }

    /** {@code sha256:<hex>} of the dataset's files, sizes and unit layout: what this loader reads. */
    public String datasetDigest() {
        return "sha256:" + dataset.digest();
    }

    /** Total time {@link #next} spent waiting for data: on the queue, or reading when prefetch is 0. */
    public long waitNanos() {
        return waitNanos;
    }

    /** Bytes of the batch buffers the prefetcher may fill ahead (0 without prefetch): at most prefetchBytes. */
    long prefetchCapacityBytes() {
        return prefetchCapacityBytes;
    }

    /** Batches the prefetch thread has prepared since this loader opened. */
    long produced() {
        return produced;
    }

    /** Encoded bytes of the units read so far (as stored in the files). Read it after close() or from the reading thread. */
    public long bytesRead() {
        return reader.bytesRead();
    }

    /** Batches handed out since the start of the dataset (counted across resumes). */
    public long batches() {
        return batches;
    }

    @Override
    public String cursor() {
        return LoaderCursor.write(dataset, options, handed, batches);
    }

    private Object take() {
        if (peeked != null) {
            Object p = peeked;
            if (p instanceof BatchProducer.Slot) {
                peeked = null;
            }
            return p;
        }
        return fetch();
    }

    private Object fetch() {
        if (closed) {
            throw new IllegalStateException("loader for " + options.uri() + " is closed");
        }
        long t0 = System.nanoTime();
        try {
            if (thread == null) {
                try {
                    return producer.fill(syncSlot) ? syncSlot : END;
                } catch (RuntimeException e) {
                    return new Failure(e);
                }
            }
            return ready.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException("interrupted while waiting for a batch of " + options.uri(), e);
        } finally {
            waitNanos += System.nanoTime() - t0;
        }
    }

    private Batch toBatch(NDManager manager, BatchProducer.Slot slot) {
        int b = options.batchSize();
        NDArray inputs;
        NDArray labels;
        if (options.kind() == DatasetKind.TOKENS) {
            Shape shape = new Shape(b, options.sequenceLength());
            inputs = copy(manager, slot.inputs, shape, DataType.INT32);
            labels = copy(manager, slot.labels, shape, DataType.INT32);
        } else {
            inputs = copy(manager, slot.inputs, new Shape(b, dataset.layout().features().size()), DataType.FLOAT32);
            labels = copy(manager, slot.labels, new Shape(b), DataType.INT32);
        }
        return new Batch(inputs, labels, slot.samples, slot.tokens);
    }

    /**
     * On the CPU, libtorch wraps a direct buffer without copying, and the slot's buffer is refilled later:
     * the array gets its own copy (a native memcpy). Other devices copy while transferring.
     */
    private static NDArray copy(NDManager manager, ByteBuffer buffer, Shape shape, DataType type) {
        buffer.rewind();
        NDArray view = manager.create(buffer, shape, type);
        if (view.getDevice().isGpu()) {
            return view;
        }
        try (NDArray aliased = view) {
            return aliased.duplicate();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (thread != null) {
            // No interrupt: an interrupted read closes Hadoop's channel under Arrow, which then leaks the
            // buffer it was filling. The producer polls `closed` at least every POLL_MILLIS instead.
            boolean interrupted = false;
            // The producer owns the reader until it stops; joining first keeps Arrow memory single-owner.
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            producer.close();
        } finally {
            allocator.close();
        }
    }
}

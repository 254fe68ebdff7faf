package dev.spindle.cluster.bench;

import dev.spindle.collective.Collectives;
import dev.spindle.collective.ReduceOp;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Collectives} that passes every call to another and counts what the all-reduces carry: the
 * calls, the floats in their buffers and the time spent in them. The tensor-parallel benchmark wraps a
 * rank's tensor group in one to measure a step's communication volume. Sub-group views count into the
 * same totals. Only all-reduces are counted; the other collectives pass through uncounted.
 *
 * <pre>{@code
 * CountingCollectives tensor = new CountingCollectives(world);
 * runner.trainStep(step, batches);
 * long floats = tensor.floats();   // every all-reduce's buffer, summed
 * tensor.reset();
 * }</pre>
 */
public final class CountingCollectives implements Collectives {

    private final Collectives delegate;
    private final Counters counters;

    public CountingCollectives(Collectives delegate) {
        this(delegate, new Counters());
    }

    private CountingCollectives(Collectives delegate, Counters counters) {
        this.delegate = delegate;
        this.counters = counters;
    }

    /** All-reduce calls since the last {@link #reset}. */
    public long calls() {
        return counters.calls.get();
    }

    /** Floats in the buffers of those all-reduces (the size of each buffer, not the bytes on the wire). */
    public long floats() {
        return counters.floats.get();
    }

    /** Nanoseconds spent inside those all-reduces. */
    public long nanos() {
        return counters.nanos.get();
    }

    /** Sets every count back to zero. */
    public void reset() {
        counters.calls.set(0);
        counters.floats.set(0);
        counters.nanos.set(0);
    }

    @Override
    public int rank() {
        return delegate.rank();
    }

    @Override
    public int worldSize() {
        return delegate.worldSize();
    }

    @Override
    public void allReduce(FloatBuffer data, ReduceOp op) {
        long start = System.nanoTime();
        delegate.allReduce(data, op);
        counters.nanos.addAndGet(System.nanoTime() - start);
        counters.calls.incrementAndGet();
        counters.floats.addAndGet(data.remaining());
    }

    @Override
    public void reduceScatter(FloatBuffer input, FloatBuffer output, ReduceOp op) {
        delegate.reduceScatter(input, output, op);
    }

    @Override
    public void allGather(FloatBuffer input, FloatBuffer output) {
        delegate.allGather(input, output);
    }

    @Override
    public void broadcast(ByteBuffer data, int root) {
        delegate.broadcast(data, root);
    }

    @Override
    public void send(ByteBuffer data, int peer) {
        delegate.send(data, peer);
    }

    @Override
    public void recv(ByteBuffer data, int peer) {
        delegate.recv(data, peer);
    }

    @Override
    public void barrier() {
        delegate.barrier();
    }

    @Override
    public Collectives subGroup(int... members) {
        return new CountingCollectives(delegate.subGroup(members), counters);
    }

    /** Closes the wrapped group. */
    @Override
    public void close() {
        delegate.close();
    }

    private static final class Counters {
        private final AtomicLong calls = new AtomicLong();
        private final AtomicLong floats = new AtomicLong();
        private final AtomicLong nanos = new AtomicLong();
    }
}

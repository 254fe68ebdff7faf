package dev.spindle.parallel;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.spindle.collective.Collectives;
import dev.spindle.collective.ReduceOp;
import dev.spindle.model.Parameters;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Data-parallel gradient averaging: every rank holds a full replica, computes gradients on its own
 * data, and calls {@link #synchronizeGradients} before the optimizer step so that all replicas step
 * with the mean gradient and stay identical.
 *
 * <p>The trainable parameters' gradients are read through their direct buffers (no copy out of
 * libtorch) into flat buckets of about {@code bucketBytes}; each bucket is all-reduced (AVG) and
 * written back through the same buffers. A gradient larger than a bucket spans several. Two buckets
 * alternate: a communication thread (one per call, calling the collectives one at a time in bucket
 * order) reduces bucket k while the caller packs bucket k+1, so packing hides behind the network.
 * The call returns only after every bucket is written back, also when a collective fails (its
 * exception is rethrown). A group of one does nothing at all. One call at a time per instance.
 *
 * <pre>{@code
 * DataParallel ddp = new DataParallel(collectives, DataParallel.DEFAULT_BUCKET_BYTES);
 * collector.backward(loss);
 * ddp.synchronizeGradients(model.parameters());
 * optimizer.step(model.parameters());
 * }</pre>
 */
public final class DataParallel {

    /** 25 MiB, PyTorch DDP's default bucket size: large enough to amortize a collective's latency. */
    public static final long DEFAULT_BUCKET_BYTES = 25L * 1024 * 1024;

    private final Collectives collectives;
    private final int bucketFloats;
    /** Two buckets: one being reduced while the other is packed. */
    private final FloatBuffer[] buckets = new FloatBuffer[2];

    public DataParallel(Collectives collectives, long bucketBytes) {
        if (collectives == null) {
            throw new IllegalArgumentException("collectives is null; use Collectives.single() for one rank");
        }
        if (bucketBytes < Float.BYTES || bucketBytes > (long) Integer.MAX_VALUE * Float.BYTES / 2) {
            throw new IllegalArgumentException("bucketBytes must be between " + Float.BYTES + " and "
                    + (long) Integer.MAX_VALUE * Float.BYTES / 2 + ", got " + bucketBytes
                    + " (DataParallel.DEFAULT_BUCKET_BYTES is " + DEFAULT_BUCKET_BYTES + ")");
        }
        this.collectives = collectives;
        this.bucketFloats = (int) (bucketBytes / Float.BYTES);
    }

    /** Replaces every trainable parameter's gradient by its mean across the group's ranks. */
    public void synchronizeGradients(Parameters parameters) {
        if (collectives.worldSize() == 1) {
            return;
        }
        List<NDArray> gradients = new ArrayList<>();
        try {
            List<FloatBuffer> views = new ArrayList<>();
            for (String name : parameters.trainableNames()) {
                NDArray gradient = parameters.get(name).getGradient(); // a new handle every call: closed below
                gradients.add(gradient);
                if (gradient.getDataType() != DataType.FLOAT32) {
                    throw new IllegalArgumentException("data-parallel averaging supports float32 gradients only;"
                            + " parameter '" + name + "' has a " + gradient.getDataType() + " gradient");
                }
                if (!gradient.getDevice().equals(Device.cpu())) {
                    // Off the host, toByteBuffer is a copy: averaged values written to it would be lost.
                    throw new UnsupportedOperationException("data-parallel averaging works on host memory only;"
                            + " parameter '" + name + "' has its gradient on " + gradient.getDevice());
                }
                views.add(gradient.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer());
            }
            averageInBuckets(views);
        } finally {
            gradients.forEach(NDArray::close);
        }
    }

    /**
     * Streams the gradients, in parameter order, through two buckets: while a communication thread
     * all-reduces bucket k and writes it back, this thread packs bucket k+1 into the other one. The
     * communication thread calls the collectives one at a time in bucket order, so every rank issues
     * the same sequence. A group whose gradients fit in one bucket needs no second thread.
     */
    private void averageInBuckets(List<FloatBuffer> views) {
        long total = 0;
        for (FloatBuffer view : views) {
            total += view.capacity();
        }
        boolean oneBucket = total <= bucketFloats;
        int bucketSize = oneBucket ? (int) Math.max(1, total) : bucketFloats;
        for (int i = 0; i < (oneBucket ? 1 : 2); i++) {
            if (buckets[i] == null || buckets[i].capacity() < bucketSize) {
                buckets[i] = FloatBuffer.allocate(bucketSize);
            }
        }
        ExecutorService communication = oneBucket ? null : Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "data-parallel-allreduce");
            thread.setDaemon(true);
            return thread;
        });
        AtomicBoolean failed = new AtomicBoolean();
        List<Future<?>> inFlight = new ArrayList<>();
        Throwable failure = null;
        try {
            int view = 0;
            int offset = 0;
            for (int k = 0; view < views.size(); k++) {
                if (k >= 2) {
                    awaitReduced(inFlight.get(k - 2)); // its bucket is the one we are about to refill
                }
                FloatBuffer bucket = buckets[k % 2];
                List<Segment> segments = new ArrayList<>();
                int filled = 0;
                while (view < views.size() && filled < bucketSize) {
                    FloatBuffer gradient = views.get(view);
                    int length = Math.min(gradient.capacity() - offset, bucketSize - filled);
                    bucket.put(filled, gradient, offset, length);
                    // Each segment writes back through its own view: the threads never share a buffer object.
                    segments.add(new Segment(gradient.duplicate(), offset, filled, length));
                    filled += length;
                    offset += length;
                    if (offset == gradient.capacity()) {
                        view++;
                        offset = 0;
                    }
                }
                int floats = filled;
                FutureTask<Void> task = new FutureTask<>(() -> {
                    if (!failed.get()) { // after a failure the group is broken: skip the rest
                        try {
                            reduce(bucket, segments, floats);
                        } catch (RuntimeException | Error e) {
                            failed.set(true);
                            throw e;
                        }
                    }
                    return null;
                });
                inFlight.add(task);
                if (communication == null) {
                    task.run();
                } else {
                    communication.execute(task);
                }
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            // Wait for every bucket, even after a failure: the gradients are closed when this returns,
            // so no write-back may still be running.
            failed.compareAndSet(false, failure != null);
            for (Future<?> future : inFlight) {
                try {
                    awaitReduced(future);
                } catch (RuntimeException | Error e) {
                    failure = failure == null ? e : failure;
                }
            }
            if (communication != null) {
                communication.shutdown();
            }
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
    }

    /** Waits for a bucket's all-reduce and write-back, uninterruptibly; rethrows its failure. */
    private static void awaitReduced(Future<?> future) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    future.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    if (cause instanceof Error error) {
                        throw error;
                    }
                    throw new IllegalStateException("gradient all-reduce failed: " + cause, cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void reduce(FloatBuffer bucket, List<Segment> segments, int filled) {
        collectives.allReduce(bucket.duplicate().position(0).limit(filled), ReduceOp.AVG);
        for (Segment segment : segments) {
            segment.gradient().put(segment.offset(), bucket, segment.bucketOffset(), segment.length());
        }
    }

    /** A run of one gradient's floats that sits in the bucket at {@code bucketOffset}. */
    private record Segment(FloatBuffer gradient, int offset, int bucketOffset, int length) {}
}

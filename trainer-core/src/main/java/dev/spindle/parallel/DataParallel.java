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

/**
 * Data-parallel gradient averaging: every rank holds a full replica, computes gradients on its own
 * data, and calls {@link #synchronizeGradients} before the optimizer step so that all replicas step
 * with the mean gradient and stay identical.
 *
 * <p>The trainable parameters' gradients are read through their direct buffers (no copy out of
 * libtorch) into flat buckets of about {@code bucketBytes}; each bucket is all-reduced (AVG) and
 * written back through the same buffers. A gradient larger than a bucket spans several. A group of
 * one does nothing at all.
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
    private FloatBuffer bucket;

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

    /** Streams the gradients, in parameter order, through one reusable bucket. */
    private void averageInBuckets(List<FloatBuffer> views) {
        if (bucket == null) {
            bucket = FloatBuffer.allocate(bucketFloats);
        }
        List<Segment> pending = new ArrayList<>();
        int filled = 0;
        for (FloatBuffer view : views) {
            int offset = 0;
            while (offset < view.capacity()) {
                int length = Math.min(view.capacity() - offset, bucketFloats - filled);
                bucket.put(filled, view, offset, length);
                pending.add(new Segment(view, offset, filled, length));
                filled += length;
                offset += length;
                if (filled == bucketFloats) {
                    reduce(pending, filled);
                    pending.clear();
                    filled = 0;
                }
            }
        }
        if (filled > 0) {
            reduce(pending, filled);
        }
    }

    private void reduce(List<Segment> segments, int filled) {
        collectives.allReduce(bucket.duplicate().position(0).limit(filled), ReduceOp.AVG);
        for (Segment segment : segments) {
            segment.gradient().put(segment.offset(), bucket, segment.bucketOffset(), segment.length());
        }
    }

    /** A run of one gradient's floats that sits in the bucket at {@code bucketOffset}. */
    private record Segment(FloatBuffer gradient, int offset, int bucketOffset, int length) {}
}

package dev.spindle.parallel.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.spindle.collective.Collectives;
import dev.spindle.model.Scalars;
import dev.spindle.parallel.tensor.Tape;
import dev.spindle.train.Batch;
import dev.spindle.train.BatchSource;
import dev.spindle.train.MemoryReport;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs one pipeline stage's share of a training step: the micro-batches' forward and backward passes
 * in the order of a {@link Schedule}, activations sent to the next stage and their gradients to the
 * previous one.
 *
 * <p>Receives block the compute thread; sends do not: each direction has its own sender thread with
 * its own view of the pipeline group, fed in order, so two neighbours never wait on each other's
 * sends (1F1B's steady state sends and receives in both directions at once). The step ends when
 * every send is handed over. Parameter gradients accumulate over the micro-batches, each weighted by
 * {@code lossScale / M}; the optimizer steps afterwards, outside this class.
 *
 * <p>Every stage reads every micro-batch from its own {@link BatchSource} (the same data-parallel
 * shard), so the first stage has the tokens, the last the labels and the others the shapes. A
 * micro-batch's arrays live in their own sub-manager of the step's, closed after its backward: the
 * activations a stage holds are those of the micro-batches in flight, which {@link #stats} reports.
 *
 * <pre>{@code
 * try (PipelineRunner runner = new PipelineRunner(shard, tensorGroup, pipelineGroup,
 *         groups.newPipelineView(), groups.newPipelineView(), Schedule.ONE_F_ONE_B, 8)) {
 *     PipelineRunner.Step step = runner.trainStep(stepManager, batches);   // loss known on every stage
 * }
 * }</pre>
 */
public final class PipelineRunner implements AutoCloseable {

    private final PipelineStage stage;
    private final Collectives tensor;
    private final Collectives pipeline;
    private final Schedule schedule;
    private final int microBatches;
    private final int stages;
    private final int index;
    private final ExecutorService toNext;
    private final ExecutorService toPrevious;
    private final Collectives nextView;
    private final Collectives previousView;
    private final ByteBuffer lossBuffer = ByteBuffer.allocateDirect(Float.BYTES).order(ByteOrder.nativeOrder());
    private PipelineStats stats = PipelineStats.NONE;

    /**
     * @param tensor this rank's tensor-parallel group (the stage's collectives)
     * @param pipeline this rank's pipeline group, used by the calling thread
     * @param nextView another view of the pipeline group for the thread that sends to the next stage
     *     (unused on the last stage)
     * @param previousView another view for the thread that sends to the previous stage (unused on the first)
     */
    public PipelineRunner(PipelineStage stage, Collectives tensor, Collectives pipeline, Collectives nextView,
                          Collectives previousView, Schedule schedule, int microBatches) {
        if (microBatches < 1) {
            throw new IllegalArgumentException("microBatches: got " + microBatches + ", expected >= 1");
        }
        this.stage = stage;
        this.tensor = tensor;
        this.pipeline = pipeline;
        this.schedule = schedule;
        this.microBatches = microBatches;
        this.stages = pipeline.worldSize();
        this.index = pipeline.rank();
        this.nextView = nextView;
        this.previousView = previousView;
        this.toNext = index < stages - 1 ? sender("pipeline-send-next") : null;
        this.toPrevious = index > 0 ? sender("pipeline-send-previous") : null;
    }

    /** What a training step produced on this stage. */
    public record Step(double loss, int samples, long tokens, long dataWaitNanos) {}

    /**
     * Forward and backward of {@code microBatches} micro-batches read from {@code batches}, in this
     * runner's schedule; afterwards every parameter's gradient holds the sum of the micro-batches'
     * weighted gradients, and {@link Step#loss()} (the mean of the micro-batches' losses, computed on
     * the last stage) is known on every stage.
     */
    public Step trainStep(NDManager stepManager, BatchSource batches) {
        long start = System.nanoTime();
        long compute = 0;
        long receive = 0;
        long dataWait = 0;
        int samples = 0;
        long tokens = 0;
        double lossSum = 0;
        int peakHeld = 0;
        long peakBytes = 0;
        int held = 0;
        long heldBytes = 0;
        MicroBatch[] inFlight = new MicroBatch[microBatches];
        List<Future<?>> sends = new ArrayList<>();
        boolean gradMode = JniUtils.isGradMode();
        try {
            for (Schedule.Action action : schedule.actions(stages, index, microBatches)) {
                int i = action.microBatch();
                if (action.forward()) {
                    NDManager manager = stepManager.newSubManager();
                    long w0 = System.nanoTime();
                    Batch batch = batches.next(manager);
                    dataWait += System.nanoTime() - w0;
                    samples += batch.samples();
                    tokens += batch.tokens();
                    Shape activation = stage.activationShape(batch.inputs().getShape());
                    NDArray input = batch.inputs();
                    if (index > 0) {
                        long r0 = System.nanoTime();
                        input = receive(manager, activation, index - 1);
                        receive += System.nanoTime() - r0;
                    }
                    long c0 = System.nanoTime();
                    JniUtils.setGradMode(true);
                    Tape tape = new Tape(tensor, true);
                    NDArray output = stage.forward(tape, input, index == stages - 1 ? batch.labels() : null, true);
                    if (index == stages - 1) {
                        lossSum += output.getFloat();
                        // the loss to differentiate: weighted by the batch's share and averaged over micro-batches
                        output = output.mul(Scalars.of(output, batch.lossScale() / microBatches));
                    }
                    JniUtils.setGradMode(false);
                    if (index < stages - 1) {
                        sends.add(send(toNext, nextView, output, index + 1));
                    }
                    compute += System.nanoTime() - c0;
                    // measured once per micro-batch, after its forward: what it holds until its backward
                    inFlight[i] = new MicroBatch(manager, tape, output, MemoryReport.liveBytes(manager));
                    held++;
                    heldBytes += inFlight[i].bytes();
                    peakHeld = Math.max(peakHeld, held);
                    peakBytes = Math.max(peakBytes, heldBytes);
                } else {
                    MicroBatch m = inFlight[i];
                    NDArray gradient = null;
                    if (index < stages - 1) {
                        long r0 = System.nanoTime();
                        gradient = receive(m.manager(), m.output().getShape(), index + 1);
                        receive += System.nanoTime() - r0;
                    }
                    long c0 = System.nanoTime();
                    NDArray inputGradient = m.tape().backward(m.output(), gradient);
                    if (index > 0) {
                        sends.add(send(toPrevious, previousView, inputGradient, index - 1));
                    }
                    compute += System.nanoTime() - c0;
                    m.manager().close();
                    inFlight[i] = null;
                    held--;
                    heldBytes -= m.bytes();
                }
            }
            long s0 = System.nanoTime();
            awaitAll(sends);
            long drain = System.nanoTime() - s0;
            double loss = shareLoss(lossSum / microBatches);
            long total = System.nanoTime() - start;
            stats = new PipelineStats(stages, index, microBatches, schedule, total, compute, receive + drain,
                    peakHeld, peakBytes);
            return new Step(loss, samples, tokens, dataWait);
        } finally {
            JniUtils.setGradMode(gradMode);
            awaitQuietly(sends);
            for (MicroBatch m : inFlight) {
                if (m != null) {
                    m.manager().close();
                }
            }
        }
    }

    /**
     * The loss of one held-out batch, forward only, known on every stage afterwards. Every stage reads
     * the batch from its own source, as in training.
     */
    public double evaluate(NDManager manager, Batch batch) {
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            NDArray input = batch.inputs();
            if (index > 0) {
                input = receive(manager, stage.activationShape(batch.inputs().getShape()), index - 1);
            }
            NDArray output = stage.forward(new Tape(tensor, false), input, index == stages - 1 ? batch.labels() : null,
                    false);
            double loss = Double.NaN;
            if (index == stages - 1) {
                loss = output.getFloat();
            } else {
                pipeline.send(bytesOf(output), index + 1);
            }
            return shareLoss(loss);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    /** Timings and activation memory of the last training step on this stage. */
    public PipelineStats stats() {
        return stats;
    }

    @Override
    public void close() {
        if (toNext != null) {
            toNext.shutdownNow();
        }
        if (toPrevious != null) {
            toPrevious.shutdownNow();
        }
    }

    /** The last stage's value, on every stage: a broadcast of one float over the pipeline group. */
    private double shareLoss(double loss) {
        if (stages == 1) {
            return loss;
        }
        lossBuffer.clear();
        lossBuffer.putFloat(0, (float) loss);
        pipeline.broadcast(lossBuffer, stages - 1);
        return lossBuffer.getFloat(0);
    }

    private NDArray receive(NDManager manager, Shape shape, int peer) {
        ByteBuffer bytes = ByteBuffer.allocateDirect(Math.toIntExact(shape.size() * Float.BYTES))
                .order(ByteOrder.nativeOrder());
        pipeline.recv(bytes, peer);
        bytes.rewind();
        // an array made from a direct buffer aliases it: copy into memory libtorch owns
        try (NDArray aliased = manager.create(bytes, shape, DataType.FLOAT32)) {
            return aliased.duplicate();
        }
    }

    /** Copies {@code array} now (its micro-batch may close before the bytes leave) and queues the send. */
    private static Future<?> send(ExecutorService sender, Collectives view, NDArray array, int peer) {
        ByteBuffer bytes = bytesOf(array);
        return sender.submit(() -> view.send(bytes, peer));
    }

    private static ByteBuffer bytesOf(NDArray array) {
        if (array.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("pipeline stages exchange float32 arrays, got " + array.getDataType());
        }
        ByteBuffer source = array.toByteBuffer();
        ByteBuffer bytes = ByteBuffer.allocateDirect(source.remaining()).order(ByteOrder.nativeOrder());
        bytes.put(source).flip();
        return bytes;
    }

    private static void awaitAll(List<Future<?>> sends) {
        for (Future<?> send : sends) {
            try {
                send.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the pipeline's sends were in flight", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new IllegalStateException("a pipeline send failed: " + cause, cause);
            }
        }
    }

    /** After a failure: let queued sends finish or fail (the broken group fails them fast) before their arrays go. */
    private static void awaitQuietly(List<Future<?>> sends) {
        for (Future<?> send : sends) {
            if (!send.isDone()) {
                send.cancel(false);
            }
        }
    }

    private static ExecutorService sender(String name) {
        return Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A micro-batch between its forward and its backward: its arrays, its tape, its output and their bytes. */
    private record MicroBatch(NDManager manager, Tape tape, NDArray output, long bytes) {}
}

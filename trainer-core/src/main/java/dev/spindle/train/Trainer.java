package dev.spindle.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointSink;
import dev.spindle.checkpoint.ShardLayout;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.LoadedCheckpoint;
import dev.spindle.checkpoint.TrainState;
import dev.spindle.collective.Collectives;
import dev.spindle.model.Model;
import dev.spindle.model.Parameters;
import dev.spindle.model.Scalars;
import dev.spindle.optim.GradientClipping;
import dev.spindle.optim.LrSchedule;
import dev.spindle.optim.Optimizer;
import dev.spindle.parallel.DataParallel;
import dev.spindle.parallel.ModelParallel;
import dev.spindle.parallel.mesh.MeshCoordinate;
import dev.spindle.parallel.pipeline.PipelineStats;
import dev.spindle.parallel.pipeline.PipelineRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The step loop of one worker: forward and backward over the step's micro-batches, gradient
 * averaging across the data-parallel group, clipping, the optimizer update, evaluation and
 * checkpoints.
 *
 * <p>Every step runs inside its own {@link NDManager} sub-manager, so the arrays a step makes
 * (batches, activations, gradients' views) are freed when it ends and native memory stays flat.
 * The engine's random generator is reseeded from {@code (seed, step)} before each step, which is
 * what makes a resumed run repeat a straight run bit for bit.
 *
 * <pre>{@code
 * Trainer trainer = new Trainer(settings, model, optimizer, schedule, batches, evalBatches,
 *         checkpoints, Collectives.single(), List.of(listener));
 * long start = trainer.restore(checkpoints.load(checkpoints.latest().get(), manager));
 * TrainResult result = trainer.run(start, settings.totalSteps(), () -> false);
 * }</pre>
 */
public final class Trainer {

    private final TrainerSettings settings;
    /** The whole model on this rank, or null when {@link #mesh} holds a shard of it. */
    private final Model model;
    /** This rank's place in a tensor × pipeline mesh, or null when it holds the whole model. */
    private final ModelParallel mesh;
    private final Parameters parameters;
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final BatchSource batches;
    private final Supplier<BatchSource> evalBatches;
    private final CheckpointSink checkpoints;
    private final DataParallel dataParallel;
    private final Collectives collectives;
    /** One float, reused every step: whether this rank wants to stop, then whether any rank does. */
    private final java.nio.FloatBuffer stopFlag = java.nio.ByteBuffer.allocateDirect(Float.BYTES)
            .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
    private final List<TrainListener> listeners;
    /** Whether the step running now measures the arrays its forward passes leave (plain path), and what it saw. */
    private boolean measureActivations;
    private long measuredActivationBytes;

    /**
     * A trainer that saves and commits its checkpoints into one store (a single process).
     *
     * @param evalBatches opens a fresh one-pass source over the held-out split, or {@code null}
     * @param checkpoints where checkpoints go, or {@code null} to take none
     */
    public Trainer(
            TrainerSettings settings,
            Model model,
            Optimizer optimizer,
            LrSchedule schedule,
            BatchSource batches,
            Supplier<BatchSource> evalBatches,
            CheckpointStore checkpoints,
            Collectives collectives,
            List<TrainListener> listeners) {
        this(settings, model, optimizer, schedule, batches, evalBatches,
                checkpoints == null ? null : CheckpointSink.of(checkpoints), collectives, listeners);
    }

    /**
     * A trainer that hands its checkpoints to {@code checkpoints}: a data-parallel worker's sink writes
     * its shard and leaves the commit to the coordinator, so {@link TrainListener#onCheckpoint} and
     * {@link TrainResult#lastCheckpoint()} see only checkpoints the sink says it committed.
     *
     * @param evalBatches opens a fresh one-pass source over the held-out split, or {@code null}
     * @param checkpoints where checkpoints go, or {@code null} to take none
     */
    public Trainer(
            TrainerSettings settings,
            Model model,
            Optimizer optimizer,
            LrSchedule schedule,
            BatchSource batches,
            Supplier<BatchSource> evalBatches,
            CheckpointSink checkpoints,
            Collectives collectives,
            List<TrainListener> listeners) {
        this(settings, Objects.requireNonNull(model, "model"), null, optimizer, schedule, batches, evalBatches,
                checkpoints, collectives, listeners);
    }

    /**
     * A trainer for one rank of a tensor × pipeline (× data) mesh: {@code mesh} holds this rank's shard
     * and runs the step's passes in its pipeline schedule ({@code settings.gradientAccumulation()}
     * micro-batches); gradients are synchronized and clipped over the mesh's groups. Every rank of the
     * job runs one; {@code evalBatches}, when given, must be given on every rank of a model replica.
     *
     * @param evalBatches opens a fresh one-pass source over the held-out split, or {@code null}
     * @param checkpoints where this rank's shard of a checkpoint goes, or {@code null} to take none
     */
    public Trainer(
            TrainerSettings settings,
            ModelParallel mesh,
            Optimizer optimizer,
            LrSchedule schedule,
            BatchSource batches,
            Supplier<BatchSource> evalBatches,
            CheckpointSink checkpoints,
            List<TrainListener> listeners) {
        this(settings, null, Objects.requireNonNull(mesh, "mesh"), optimizer, schedule, batches, evalBatches,
                checkpoints, mesh.groups().world(), listeners);
    }

    private Trainer(
            TrainerSettings settings,
            Model model,
            ModelParallel mesh,
            Optimizer optimizer,
            LrSchedule schedule,
            BatchSource batches,
            Supplier<BatchSource> evalBatches,
            CheckpointSink checkpoints,
            Collectives collectives,
            List<TrainListener> listeners) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.model = model;
        this.mesh = mesh;
        this.parameters = model != null ? model.parameters() : mesh.parameters();
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.batches = Objects.requireNonNull(batches, "batches");
        this.evalBatches = evalBatches;
        this.checkpoints = checkpoints;
        this.collectives = Objects.requireNonNull(collectives, "collectives");
        this.dataParallel = mesh != null ? null : new DataParallel(collectives, DataParallel.DEFAULT_BUCKET_BYTES);
        this.listeners = List.copyOf(listeners);
    }

    /**
     * Puts the model's parameters and the optimizer's state back to a checkpoint's.
     *
     * @return the number of steps the checkpoint had done: the step to continue from
     * @throws IllegalArgumentException if the checkpoint belongs to another model
     */
    public long restore(LoadedCheckpoint checkpoint) {
        Map<String, NDArray> saved = checkpoint.parameters();
        checkBase(checkpoint);
        Set<String> expected = new TreeSet<>(savedNames(parameters));
        if (!saved.keySet().equals(expected)) {
            throw new IllegalArgumentException("checkpoint " + checkpoint.info().directory()
                    + " holds parameters " + saved.keySet() + " but the model saves " + expected
                    + "; resume with the spec that wrote it");
        }
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (Map.Entry<String, NDArray> entry : saved.entrySet()) {
                NDArray target = parameters.get(entry.getKey());
                if (!target.getShape().equals(entry.getValue().getShape())) {
                    throw new IllegalArgumentException("checkpoint tensor '" + entry.getKey()
                            + "' has shape " + entry.getValue().getShape() + " but the model's is "
                            + target.getShape() + "; resume with the spec that wrote it");
                }
                target.set(new NDIndex("..."), entry.getValue());
            }
        } finally {
            JniUtils.setGradMode(previous);
        }
        optimizer.loadState(checkpoint.optimizerState());
        return checkpoint.state().step();
    }

    /**
     * A checkpoint of a frozen-base run names its base by digest; restoring it onto another base
     * would silently train a different model.
     */
    private void checkBase(LoadedCheckpoint checkpoint) {
        String savedBase = checkpoint.state().baseParametersDigest();
        String ourBase = settings.baseParametersDigest();
        if (savedBase == null && ourBase == null) {
            return;
        }
        if (savedBase == null || !savedBase.equals(ourBase)) {
            throw new IllegalArgumentException("checkpoint " + checkpoint.info().directory()
                    + " was made on base parameters " + (savedBase == null ? "(a full checkpoint, no base)" : savedBase)
                    + " but this run's base is " + (ourBase == null ? "(none: every parameter trains)" : ourBase)
                    + "; resume with the base weights (spec.model.init.from or spec.peft.base) it was trained on");
        }
    }

    /**
     * The parameters a checkpoint holds: all of them, or only the trainable ones when some are frozen
     * (the frozen base is named by digest instead of copied).
     */
    private static List<String> savedNames(Parameters parameters) {
        List<String> trainable = parameters.trainableNames();
        return trainable.size() == parameters.size() ? parameters.names() : trainable;
    }

    /**
     * Trains from {@code startStep} until {@code stopAt} steps are done or {@code stopRequested}
     * turns true (checked between steps; the run then checkpoints the last finished step). With several
     * ranks, a request seen by any rank before a step stops every rank after that step.
     */
    public TrainResult run(long startStep, long stopAt, BooleanSupplier stopRequested) {
        long end = Math.min(stopAt, settings.totalSteps());
        long startNanos = System.nanoTime();
        listeners.forEach(l -> l.onStart(startStep, settings.totalSteps()));
        JniUtils.setGradMode(false);
        Optional<CheckpointInfo> lastCheckpoint = Optional.empty();
        double loss = Double.NaN;
        long step = startStep;
        boolean stopped = false;
        NDManager root = parameters.asMap().values().iterator().next().getManager();
        long checkpointed = -1;
        while (step < end) {
            boolean stopWanted = stopRequested.getAsBoolean();
            if (stopWanted && collectives.worldSize() == 1) {
                stopped = true;
                break;
            }
            measureActivations = step == startStep;
            StepMetrics metrics = trainStep(root, step, startNanos);
            step++;
            loss = metrics.loss();
            if (settings.evalInterval() > 0 && evalBatches != null
                    && (step % settings.evalInterval() == 0 || step == settings.totalSteps())) {
                metrics = metrics.withEvalLoss(evaluate(root));
            }
            StepMetrics done = metrics;
            listeners.forEach(l -> l.onStep(done));
            if (step == startStep + 1) {
                MemoryReport memory = memoryReport(step);
                listeners.forEach(l -> l.onMemory(memory));
            }
            // Ranks stop together or not at all: a rank that stopped alone would leave the others waiting in
            // the next step's all-reduce. They agree after every step whether any of them was asked to stop.
            boolean stopNow = collectives.worldSize() > 1 && agreeToStop(stopWanted);
            boolean periodic = settings.checkpointEvery() > 0 && step % settings.checkpointEvery() == 0;
            if (periodic && step < end && !stopNow) {
                lastCheckpoint = checkpoint(step, loss).or(lastCheckpointOf(lastCheckpoint));
                checkpointed = step;
            }
            if (stopNow) {
                stopped = true;
                break;
            }
        }
        stopped |= step < settings.totalSteps();
        if (step > startStep && checkpoints != null && step != checkpointed) {
            lastCheckpoint = checkpoint(step, loss).or(lastCheckpointOf(lastCheckpoint));
        }
        return new TrainResult(startStep, step, loss, lastCheckpoint, stopped);
    }

    /** Whether any rank wants to stop: one all-reduce (MAX) of a flag, so every rank gets the same answer. */
    private boolean agreeToStop(boolean mine) {
        stopFlag.put(0, mine ? 1f : 0f);
        collectives.allReduce(stopFlag, dev.spindle.collective.ReduceOp.MAX);
        return stopFlag.get(0) > 0f;
    }

    private StepMetrics trainStep(NDManager root, long step, long startNanos) {
        if (mesh != null) {
            return meshStep(root, step, startNanos);
        }
        long t0 = System.nanoTime();
        long waitNanos = 0;
        int samples = 0;
        long tokens = 0;
        Engine.getInstance().setRandomSeed(engineSeed(settings.seed(), step));
        try (NDManager stepManager = root.newSubManager()) {
            NDArray lossSum = null;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                for (int micro = 0; micro < settings.gradientAccumulation(); micro++) {
                    long w0 = System.nanoTime();
                    Batch batch = batches.next(stepManager);
                    waitNanos += System.nanoTime() - w0;
                    samples += batch.samples();
                    tokens += batch.tokens();
                    NDArray logits = model.forward(batch.inputs(), true);
                    NDArray loss = model.loss(logits, batch.labels());
                    if (measureActivations && micro == settings.gradientAccumulation() - 1) {
                        // every micro-batch's arrays stay in the step's manager until the step ends
                        measuredActivationBytes = MemoryReport.liveBytes(stepManager);
                    }
                    // A rank's slice of a global batch weighs b_r * N / B (see DataShard); the
                    // reported loss below stays the unscaled mean of this rank's rows.
                    collector.backward(scaled(loss, batch.lossScale()));
                    NDArray detached = loss.stopGradient();
                    lossSum = lossSum == null ? detached : lossSum.add(detached);
                }
            }
            return update(step, lossSum.getFloat() / settings.gradientAccumulation(), samples, tokens, t0, waitNanos,
                    startNanos);
        }
    }

    /** A step of a mesh rank: the pipeline's passes, then the mesh's gradient synchronization and clipping. */
    private StepMetrics meshStep(NDManager root, long step, long startNanos) {
        long t0 = System.nanoTime();
        Engine.getInstance().setRandomSeed(engineSeed(settings.seed(), step));
        try (NDManager stepManager = root.newSubManager()) {
            PipelineRunner.Step done = mesh.runner().trainStep(stepManager, batches);
            return update(step, mesh.globalLoss(done.loss(), done.samples()), done.samples(), done.tokens(), t0,
                    done.dataWaitNanos(), startNanos);
        }
    }

    /**
     * The end of every step once its gradients are computed: synchronized over the data-parallel replicas (and
     * the tied copies of a pipeline), clipped, applied by the optimizer; returns the step's metrics.
     */
    private StepMetrics update(long step, double loss, int samples, long tokens, long t0, long waitNanos,
                               long startNanos) {
        // The norm costs a pass over every gradient: measured only when clipping needs it.
        double norm = Double.NaN;
        if (mesh != null) {
            mesh.synchronizeGradients();
            norm = settings.gradientClipping() > 0 ? mesh.clipGlobalNorm(settings.gradientClipping()) : norm;
        } else {
            dataParallel.synchronizeGradients(parameters);
            norm = settings.gradientClipping() > 0
                    ? GradientClipping.clipGlobalNorm(parameters, settings.gradientClipping()) : norm;
        }
        double lr = schedule.lr(step);
        optimizer.step(parameters, (float) lr);
        long t1 = System.nanoTime();
        double seconds = (t1 - t0) / 1e9;
        return new StepMetrics(step + 1, loss, lr, norm, samples / seconds, tokens / seconds, (t1 - t0) / 1e6,
                waitNanos / 1e6, (t1 - startNanos) / 1e9, Double.NaN);
    }

    /**
     * This rank's memory after {@code step}. The peak activations of a mesh rank are its pipeline runner's
     * ({@link PipelineStats#peakActivationBytes()}: the micro-batches in flight at once); on the plain path
     * they are the bytes of the arrays the step's sub-manager held after the last micro-batch's forward pass
     * (inputs, labels, the output of every operation of the forward passes and the losses of all the step's
     * micro-batches, which stay until the step ends), measured on the run's first step.
     */
    private MemoryReport memoryReport(long step) {
        long activations;
        int microBatches;
        MeshCoordinate coordinate;
        if (mesh != null) {
            PipelineStats stats = mesh.runner().stats();
            activations = stats.peakActivationBytes();
            microBatches = stats.peakMicroBatches();
            coordinate = mesh.groups().coordinate();
        } else {
            activations = measuredActivationBytes;
            microBatches = settings.gradientAccumulation();
            coordinate = new MeshCoordinate(collectives.rank(), 0, 0);
        }
        return new MemoryReport(collectives.rank(), coordinate, step, MemoryReport.parameterBytes(parameters),
                MemoryReport.gradientBytes(parameters), MemoryReport.stateBytes(optimizer.state()), activations,
                microBatches);
    }

    /** The loss to differentiate: averaged over micro-batches, weighted by the batch's loss scale. */
    private NDArray scaled(NDArray loss, double lossScale) {
        int accumulation = settings.gradientAccumulation();
        if (lossScale == 1.0) {
            return accumulation == 1 ? loss : loss.div(Scalars.of(loss, accumulation));
        }
        return loss.mul(Scalars.of(loss, lossScale / accumulation));
    }

    private double evaluate(NDManager root) {
        double sum = 0;
        int count = 0;
        try (BatchSource source = evalBatches.get()) {
            for (int i = 0; i < settings.evalBatches(); i++) {
                try (NDManager evalManager = root.newSubManager()) {
                    Batch batch;
                    try {
                        batch = source.next(evalManager);
                    } catch (NoSuchElementException e) {
                        break;
                    }
                    if (mesh != null) {
                        sum += mesh.runner().evaluate(evalManager, batch);
                    } else {
                        NDArray logits = model.forward(batch.inputs(), false);
                        sum += model.loss(logits, batch.labels()).getFloat();
                    }
                    count++;
                }
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    private static Supplier<Optional<CheckpointInfo>> lastCheckpointOf(Optional<CheckpointInfo> previous) {
        return () -> previous;
    }

    /** The checkpoint of {@code step} if this process committed it. */
    private Optional<CheckpointInfo> checkpoint(long step, double loss) {
        if (checkpoints == null) {
            return Optional.empty();
        }
        boolean frozenBase = parameters.trainableNames().size() < parameters.size();
        if (frozenBase && settings.baseParametersDigest() == null) {
            throw new IllegalStateException("some parameters are frozen but TrainerSettings.baseParametersDigest"
                    + " is null; pass withBaseParametersDigest(ParametersDigest.of(base)) so the checkpoint"
                    + " can name the base it leaves out");
        }
        TrainState state = new TrainState(step, settings.seed(), settings.specDigest(),
                batches.cursor(), loss, frozenBase ? settings.baseParametersDigest() : null);
        Map<String, NDArray> saved = new LinkedHashMap<>();
        for (String name : savedNames(parameters)) {
            saved.put(name, parameters.get(name));
        }
        try {
            Optional<CheckpointInfo> info = checkpoints.save(
                    mesh != null ? mesh.layout() : ShardLayout.whole(collectives.rank()), saved, optimizer.state(), state);
            info.ifPresent(committed -> listeners.forEach(l -> l.onCheckpoint(committed)));
            return info;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the checkpoint of step " + step, e);
        }
    }

    /**
     * The engine seed of a step: a fixed mix of the run's seed and the step index, so that a
     * resumed run draws the same random numbers as a straight one. Step {@code -1} seeds the
     * parameters' initialisation.
     */
    public static int engineSeed(long seed, long step) {
        long z = seed + (step + 2) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (int) (z ^ (z >>> 32)) & Integer.MAX_VALUE;
    }
}

package dev.spindle.parallel;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.spindle.checkpoint.ShardLayout;
import dev.spindle.checkpoint.ShardPlace;
import dev.spindle.checkpoint.TensorSplit;
import dev.spindle.collective.Collectives;
import dev.spindle.collective.ReduceOp;
import dev.spindle.model.Parameters;
import dev.spindle.optim.GradientClipping;
import dev.spindle.parallel.mesh.MeshCoordinate;
import dev.spindle.parallel.mesh.MeshGroups;
import dev.spindle.parallel.mesh.MeshShape;
import dev.spindle.parallel.pipeline.PipelineRunner;
import dev.spindle.parallel.pipeline.PipelineStage;
import dev.spindle.parallel.pipeline.Schedule;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * One rank's part in a D × T × P mesh, as the trainer uses it between a step's passes and its
 * optimizer update: the pipeline that computes the gradients ({@link #runner()}), then
 * {@link #synchronizeGradients()} (the tied embedding's copies summed between the first and the last
 * stage, then the data-parallel average over the ranks that hold the same shard), and
 * {@link #clipGlobalNorm} over the whole model replica.
 *
 * <pre>{@code
 * try (ModelParallel mp = new ModelParallel(MeshGroups.of(world, shape), shard, Schedule.ONE_F_ONE_B, 8)) {
 *     PipelineRunner.Step step = mp.runner().trainStep(stepManager, batches);
 *     mp.synchronizeGradients();
 *     double norm = mp.clipGlobalNorm(1.0);
 *     optimizer.step(mp.parameters(), lr);
 * }
 * }</pre>
 */
public final class ModelParallel implements AutoCloseable {

    private final MeshGroups groups;
    private final PipelineStage stage;
    private final PipelineRunner runner;
    private final DataParallel dataParallel;
    /** The first and the last stage of this (d, t), when they share a tied parameter; else null. */
    private final Collectives tiedGroup;

    /** Takes ownership of {@code groups} (closed with this object). */
    public ModelParallel(MeshGroups groups, PipelineStage stage, Schedule schedule, int microBatches) {
        this.groups = groups;
        this.stage = stage;
        MeshShape shape = groups.shape();
        MeshCoordinate at = groups.coordinate();
        this.runner = new PipelineRunner(stage, groups.tensor(), groups.pipeline(), groups.newPipelineView(),
                groups.newPipelineView(), schedule, microBatches);
        this.dataParallel = new DataParallel(groups.data(), DataParallel.DEFAULT_BUCKET_BYTES);
        if (!stage.tiedNames().isEmpty()) {
            int first = shape.rank(new MeshCoordinate(at.data(), at.tensor(), 0));
            int last = shape.rank(new MeshCoordinate(at.data(), at.tensor(), shape.pipeline() - 1));
            this.tiedGroup = groups.world().subGroup(first, last);
        } else {
            this.tiedGroup = null;
        }
    }

    /** The mesh and this rank's groups in it. */
    public MeshGroups groups() {
        return groups;
    }

    /** This rank's stage of the model. */
    public PipelineStage stage() {
        return stage;
    }

    /** This rank's parameters. */
    public Parameters parameters() {
        return stage.parameters();
    }

    /** How each parameter was cut among the tensor ranks. */
    public Map<String, TensorSplit> splits() {
        return stage.splits();
    }

    /** What this rank's checkpoint shard is: its place in the mesh, its replica and its splits. */
    public ShardLayout layout() {
        MeshShape shape = groups.shape();
        MeshCoordinate at = groups.coordinate();
        return new ShardLayout(new ShardPlace(shape.tensor(), at.tensor(), shape.pipeline(), at.pipeline()),
                at.data(), stage.splits());
    }

    /** Runs the step's forward and backward passes. */
    public PipelineRunner runner() {
        return runner;
    }

    /**
     * Makes every gradient the one the optimizer must apply: a tied parameter's gradient becomes the sum
     * of its copies' on the first and the last stage, then every gradient the average over the
     * data-parallel replicas of this shard.
     */
    public void synchronizeGradients() {
        if (tiedGroup != null) {
            for (String name : stage.tiedNames()) {
                try (NDArray gradient = parameters().get(name).getGradient()) {
                    if (!gradient.getDevice().equals(Device.cpu())) {
                        throw new UnsupportedOperationException("tied gradients are summed in host memory only;"
                                + " parameter '" + name + "' is on " + gradient.getDevice());
                    }
                    tiedGroup.allReduce(gradient.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer(),
                            ReduceOp.SUM);
                }
            }
        }
        dataParallel.synchronizeGradients(parameters());
    }

    /**
     * The global gradient norm of the whole model replica (every shard and stage, a replicated or tied
     * parameter counted once), clipping to {@code maxNorm} when it is above and {@code maxNorm > 0}.
     */
    public double clipGlobalNorm(double maxNorm) {
        boolean firstTensorRank = groups.coordinate().tensor() == 0;
        boolean firstStage = groups.coordinate().pipeline() == 0;
        Map<String, TensorSplit> splits = stage.splits();
        return GradientClipping.clipGlobalNorm(parameters(), maxNorm, groups.model(), name -> {
            TensorSplit split = splits.getOrDefault(name, TensorSplit.REPLICATED);
            boolean sharded = split.dim() >= 0 && groups.shape().tensor() > 1;
            boolean tiedCopy = stage.tiedNames().contains(name) && !firstStage;
            return (sharded || firstTensorRank) && !tiedCopy;
        });
    }

    /**
     * The loss of the whole global batch from each replica's {@code loss} over its {@code samples} rows:
     * their sample-weighted mean over the data-parallel group (one all-reduce of two floats), the same
     * on every rank.
     */
    public double globalLoss(double loss, int samples) {
        Collectives data = groups.data();
        if (data.worldSize() == 1) {
            return loss;
        }
        FloatBuffer sums = FloatBuffer.wrap(new float[] {(float) (loss * samples), samples});
        data.allReduce(sums, ReduceOp.SUM);
        return sums.get(0) / sums.get(1);
    }

    @Override
    public void close() {
        runner.close();
        if (tiedGroup != null) {
            tiedGroup.close();
        }
        groups.close();
    }
}

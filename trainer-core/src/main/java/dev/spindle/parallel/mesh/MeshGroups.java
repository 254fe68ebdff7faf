package dev.spindle.parallel.mesh;

import dev.spindle.collective.Collectives;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * One rank's groups in the mesh, made from the world group with {@link Collectives#subGroup} (no
 * communication: every rank of the world calls {@link #of} with the same shape). Each group is a view
 * of its own, so the tensor group can all-reduce on the compute thread while the pipeline's sender
 * thread uses {@link #newPipelineView()} and the receiver thread {@link #pipeline()}. Closing closes the
 * views it made, not the world.
 *
 * <pre>{@code
 * try (MeshGroups mesh = MeshGroups.of(world, MeshShape.of(world.worldSize(), 2, 2))) {
 *     mesh.tensor().allReduce(partialOutput, ReduceOp.SUM);
 *     Collectives senders = mesh.newPipelineView();   // for a second thread
 *     mesh.data().allReduce(gradients, ReduceOp.AVG);
 * }
 * }</pre>
 */
public final class MeshGroups implements AutoCloseable {

    private final MeshShape shape;
    private final MeshCoordinate coordinate;
    private final Collectives world;
    private final List<Collectives> views = new ArrayList<>();
    private final Collectives tensor;
    private final Collectives data;
    private final Collectives pipeline;
    private final Collectives model;
    private boolean closed;

    private MeshGroups(Collectives world, MeshShape shape) {
        this.world = world;
        this.shape = shape;
        this.coordinate = shape.coordinate(world.rank());
        try {
            this.tensor = view(shape::tensorGroup);
            this.data = view(shape::dataGroup);
            this.pipeline = view(shape::pipelineGroup);
            this.model = view(shape::modelGroup);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * This rank's groups in a mesh of {@code shape} over {@code world}.
     *
     * @throws IllegalArgumentException if the world's size is not the shape's
     */
    public static MeshGroups of(Collectives world, MeshShape shape) {
        if (world.worldSize() != shape.worldSize()) {
            throw new IllegalArgumentException("the world group has " + world.worldSize() + " ranks but the mesh data="
                    + shape.data() + " × tensor=" + shape.tensor() + " × pipeline=" + shape.pipeline() + " needs "
                    + shape.worldSize() + "; build the shape with MeshShape.of(world.worldSize(), tensor, pipeline)");
        }
        return new MeshGroups(world, shape);
    }

    public MeshShape shape() {
        return shape;
    }

    /** This rank's place in the mesh. */
    public MeshCoordinate coordinate() {
        return coordinate;
    }

    /** The world group these views came from (not closed by {@link #close}). */
    public Collectives world() {
        return world;
    }

    /** The ranks of this rank's data replica and stage; group rank = tensor rank. */
    public Collectives tensor() {
        return tensor;
    }

    /** The ranks of this rank's tensor rank and stage, one per replica; group rank = data replica. */
    public Collectives data() {
        return data;
    }

    /** The stages of this rank's data replica and tensor rank; group rank = stage. */
    public Collectives pipeline() {
        return pipeline;
    }

    /** The T·P ranks of this rank's model replica; group rank = stage·T + tensor rank. */
    public Collectives model() {
        return model;
    }

    /**
     * Another view of the pipeline group, for a second thread (the pipeline's senders): it may send to a
     * stage while another thread receives from that stage on {@link #pipeline()}.
     */
    public synchronized Collectives newPipelineView() {
        if (closed) {
            throw new IllegalStateException("these mesh groups of rank " + world.rank() + " are closed;"
                    + " make new ones with MeshGroups.of");
        }
        return view(shape::pipelineGroup);
    }

    /** Closes the views this made (the world stays open). Safe to call twice. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (Collectives view : views) {
            try {
                view.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        views.clear();
        if (first != null) {
            throw first;
        }
    }

    private Collectives view(IntFunction<int[]> group) {
        Collectives view = world.subGroup(group.apply(world.rank()));
        views.add(view);
        return view;
    }
}

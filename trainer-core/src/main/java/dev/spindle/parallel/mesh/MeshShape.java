package dev.spindle.parallel.mesh;

/**
 * The shape of a job's mesh: {@code data} model replicas (D), each split over {@code tensor} ranks (T)
 * and {@code pipeline} stages (P), on {@code D·T·P} ranks. Rank {@code r} is coordinate (d, t, p) with
 * {@code r = p·(D·T) + d·T + t}: tensor fastest, then data, then pipeline (Megatron's order), so the
 * T ranks of a tensor group are consecutive and land on one node when ranks are ordered by host.
 *
 * <p>Each group lists world ranks in the order of the group's own ranks: the tensor group of a rank
 * is ordered by t, its data group by d, its pipeline group by p, and its model group (the T·P ranks of
 * one replica) by (p, t).
 *
 * <pre>{@code
 * MeshShape shape = MeshShape.of(8, 2, 2);          // D=2, T=2, P=2
 * shape.coordinate(5);                              // MeshCoordinate[data=0, tensor=1, pipeline=1]
 * shape.tensorGroup(5);                             // [4, 5]
 * shape.pipelineGroup(5);                           // [1, 5]
 * }</pre>
 */
public record MeshShape(int data, int tensor, int pipeline) {

    /** No parallelism: one rank. */
    public static final MeshShape SINGLE = new MeshShape(1, 1, 1);

    public MeshShape {
        requirePositive("data", data);
        requirePositive("tensor", tensor);
        requirePositive("pipeline", pipeline);
        if ((long) data * tensor * pipeline > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("mesh data=" + data + " × tensor=" + tensor + " × pipeline=" + pipeline
                    + " has more ranks than an int holds; use fewer");
        }
    }

    /**
     * The shape for {@code worldSize} ranks of a job with tensor × pipeline model parallelism:
     * {@code data = worldSize / (tensor · pipeline)}.
     *
     * @throws IllegalArgumentException unless {@code worldSize} is a positive multiple of {@code tensor · pipeline}
     */
    public static MeshShape of(int worldSize, int tensor, int pipeline) {
        requirePositive("tensor", tensor);
        requirePositive("pipeline", pipeline);
        long model = (long) tensor * pipeline;
        if (worldSize < 1 || worldSize % model != 0) {
            throw new IllegalArgumentException("a world of " + worldSize + " ranks does not split into model replicas"
                    + " of tensor=" + tensor + " × pipeline=" + pipeline + " = " + model
                    + " ranks; use a world size that is a positive multiple of " + model);
        }
        return new MeshShape((int) (worldSize / model), tensor, pipeline);
    }

    /** D·T·P. */
    public int worldSize() {
        return data * tensor * pipeline;
    }

    /** The ranks of one model replica, T·P. */
    public int modelSize() {
        return tensor * pipeline;
    }

    /** Where {@code rank} sits in the mesh. */
    public MeshCoordinate coordinate(int rank) {
        checkRank(rank);
        return new MeshCoordinate((rank / tensor) % data, rank % tensor, rank / (data * tensor));
    }

    /** The world rank at {@code c}. */
    public int rank(MeshCoordinate c) {
        if (c.data() >= data || c.tensor() >= tensor || c.pipeline() >= pipeline) {
            throw new IllegalArgumentException(c + " is outside the mesh data=" + data + " × tensor=" + tensor
                    + " × pipeline=" + pipeline + " (each coordinate below its size)");
        }
        return rank(c.data(), c.tensor(), c.pipeline());
    }

    /** The ranks with {@code rank}'s data replica and stage, by tensor rank. */
    public int[] tensorGroup(int rank) {
        MeshCoordinate c = coordinate(rank);
        int[] group = new int[tensor];
        for (int t = 0; t < tensor; t++) {
            group[t] = rank(c.data(), t, c.pipeline());
        }
        return group;
    }

    /** The ranks with {@code rank}'s tensor rank and stage, by data replica. */
    public int[] dataGroup(int rank) {
        MeshCoordinate c = coordinate(rank);
        int[] group = new int[data];
        for (int d = 0; d < data; d++) {
            group[d] = rank(d, c.tensor(), c.pipeline());
        }
        return group;
    }

    /** The ranks with {@code rank}'s data replica and tensor rank, by stage. */
    public int[] pipelineGroup(int rank) {
        MeshCoordinate c = coordinate(rank);
        int[] group = new int[pipeline];
        for (int p = 0; p < pipeline; p++) {
            group[p] = rank(c.data(), c.tensor(), p);
        }
        return group;
    }

    /** The T·P ranks of {@code rank}'s model replica, by stage, then tensor rank. */
    public int[] modelGroup(int rank) {
        MeshCoordinate c = coordinate(rank);
        int[] group = new int[tensor * pipeline];
        for (int p = 0; p < pipeline; p++) {
            for (int t = 0; t < tensor; t++) {
                group[p * tensor + t] = rank(c.data(), t, p);
            }
        }
        return group;
    }

    private int rank(int d, int t, int p) {
        return p * (data * tensor) + d * tensor + t;
    }

    private void checkRank(int rank) {
        if (rank < 0 || rank >= worldSize()) {
            throw new IllegalArgumentException("rank " + rank + " is outside the mesh data=" + data + " × tensor="
                    + tensor + " × pipeline=" + pipeline + " of " + worldSize() + " ranks (0.." + (worldSize() - 1)
                    + ")");
        }
    }

    private static void requirePositive(String field, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("mesh " + field + " must be >= 1, got " + field + "=" + value);
        }
    }
}

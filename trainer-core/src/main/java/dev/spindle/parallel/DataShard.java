package dev.spindle.parallel;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.spindle.train.Batch;
import dev.spindle.train.BatchSource;

/**
 * Rank r's slice of every global batch, for data parallelism: every rank opens the same loader with
 * the global batch size and takes rows {@code [start_r, end_r)}, a near-equal split in which the first
 * {@code B % N} ranks get one row more ({@code start_r = r * (B / N) + min(r, B % N)}). Every rank's
 * cursor is then the global cursor, independent of the world size, so a checkpoint restored onto a
 * different number of ranks neither skips nor repeats data.
 *
 * <p>Uneven slices are made exact by the batch's {@link Batch#lossScale() loss scale}
 * {@code b_r * N / B}: the trainer multiplies rank r's mean loss by it, and the all-reduce average of
 * the ranks' gradients is then exactly the gradient of the global batch's mean loss.
 *
 * <pre>{@code
 * BatchSource mine = DataShard.of(DataLoaders.open(loaderSpec, cursor), rank, worldSize);
 * Batch batch = mine.next(stepManager);     // rows [start_r, end_r) of the global batch
 * }</pre>
 */
public final class DataShard implements BatchSource {

    private final BatchSource global;
    private final int rank;
    private final int worldSize;

    private DataShard(BatchSource global, int rank, int worldSize) {
        this.global = global;
        this.rank = rank;
        this.worldSize = worldSize;
    }

    /**
     * Rank {@code rank}'s slices of {@code global}'s batches; with {@code worldSize} 1, {@code global}
     * itself. Closing the shard closes {@code global}.
     */
    public static BatchSource of(BatchSource global, int rank, int worldSize) {
        if (global == null) {
            throw new IllegalArgumentException("DataShard.of needs the global batch source, got null");
        }
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("DataShard.of needs 0 <= rank < worldSize, got rank " + rank
                    + " of worldSize " + worldSize);
        }
        return worldSize == 1 ? global : new DataShard(global, rank, worldSize);
    }

    /** The first row of rank {@code rank}'s slice of a batch of {@code rows} rows split {@code worldSize} ways. */
    public static int start(int rank, int worldSize, int rows) {
        return rank * (rows / worldSize) + Math.min(rank, rows % worldSize);
    }

    /**
     * The next global batch's rows of this rank, as new arrays in {@code manager} (the global batch lives
     * in a scratch sub-manager and is freed before this returns).
     *
     * @throws IllegalArgumentException if the global batch has fewer rows than there are ranks
     */
    @Override
    public Batch next(NDManager manager) {
        try (NDManager scratch = manager.newSubManager()) {
            Batch whole = global.next(scratch);
            int rows = Math.toIntExact(whole.inputs().getShape().get(0));
            long labelRows = whole.labels().getShape().isScalar() ? -1 : whole.labels().getShape().get(0);
            if (labelRows != rows) {
                throw new IllegalArgumentException("cannot slice a global batch whose inputs have " + rows
                        + " rows but labels have shape " + whole.labels().getShape()
                        + "; the loader must give one label row per input row");
            }
            if (rows < worldSize) {
                throw new IllegalArgumentException("a global batch of " + rows + " rows cannot give each of "
                        + worldSize + " ranks a row; set spec.training.batchSize >= the number of workers ("
                        + worldSize + ")");
            }
            int start = start(rank, worldSize, rows);
            int end = start(rank + 1, worldSize, rows);
            int mine = end - start;
            NDIndex slice = new NDIndex("{}:{}", start, end);
            NDArray inputs = copyInto(whole.inputs().get(slice), manager);
            NDArray labels = copyInto(whole.labels().get(slice), manager);
            double scale = whole.lossScale() * mine * worldSize / rows;
            return new Batch(inputs, labels, mine, tokensOf(whole.tokens(), mine, rows), scale);
        }
    }

    /** Own memory (not a view that would keep the whole global batch alive), owned by the step. */
    private static NDArray copyInto(NDArray view, NDManager manager) {
        NDArray copy = view.duplicate();
        copy.attach(manager);
        return copy;
    }

    /** Exact for the built-in loaders (every row has the same number of targets); else proportional. */
    private static long tokensOf(long tokens, int mine, int rows) {
        return tokens % rows == 0 ? tokens / rows * mine : Math.round((double) tokens * mine / rows);
    }

    /** The global source's cursor: the same on every rank, whatever the world size. */
    @Override
    public String cursor() {
        return global.cursor();
    }

    @Override
    public void close() {
        global.close();
    }

    @Override
    public String toString() {
        return "DataShard[rank " + rank + " of " + worldSize + ", " + global + "]";
    }
}

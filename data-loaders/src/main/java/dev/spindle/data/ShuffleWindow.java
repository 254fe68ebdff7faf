package dev.spindle.data;

/**
 * A windowed shuffle whose whole state is five numbers. The sample stream of an epoch is cut into windows
 * of {@code capacity} consecutive samples; window {@code w} of epoch {@code e} is handed out in a
 * permutation seeded by (seed, rank, e, w). To restore, the stream is sought to the window's start,
 * the window refilled, and the samples already taken skipped. Windows never span epochs.
 */
final class ShuffleWindow {

    /** Where the current window started and how many of its samples were handed out. */
    record State(long epoch, long window, int startUnit, int startOffset, int taken) {}

    private final SampleStream stream;
    private final ShardPlan plan;
    private final int capacity;
    private final boolean loop;
    private final int rank;
    private final int sampleTokens;
    private final int featureWidth;

    final int[] tokens;
    final float[] features;
    final int[] labels;

    private long epoch;
    private long window;
    private int startUnit;
    private int startOffset;
    private int filled;
    private int taken;
    private int[] perm = new int[0];

    ShuffleWindow(SampleStream stream, ShardPlan plan, int capacity, boolean loop, int rank, DatasetKind kind,
            int sampleTokens, int featureWidth) {
        this.stream = stream;
        this.plan = plan;
        this.capacity = capacity;
        this.loop = loop;
        this.rank = rank;
        this.sampleTokens = sampleTokens;
        this.featureWidth = featureWidth;
        boolean isTokens = kind == DatasetKind.TOKENS;
        this.tokens = isTokens ? new int[capacity * sampleTokens] : null;
        this.features = isTokens ? null : new float[capacity * featureWidth];
        this.labels = isTokens ? null : new int[capacity];
    }

    State state() {
        return new State(epoch, window, startUnit, startOffset, taken);
    }

    /** Positions the window as described by {@code s}; fails if it does not fit the data. */
    void restore(State s) {
        epoch = s.epoch();
        window = s.window();
        startUnit = s.startUnit();
        startOffset = s.startOffset();
        stream.seek(epoch, startUnit, startOffset);
        fill();
        if (s.taken() < 0 || s.taken() > filled) {
            throw new DataException("cursor says " + s.taken() + " samples of window " + window + " were taken, but"
                    + " that window holds " + filled + ": the cursor does not match this dataset");
        }
        taken = s.taken();
        if (loop && filled == 0 && window == 0) {
            // An endless loader over a shard without one full sample would spin; say so before training.
            throw noSample();
        }
    }

    private DataException noSample() {
        return new DataException("rank " + rank + " has no complete sample in its " + plan.size()
                + " record batches" + (sampleTokens > 0
                ? " (a sample is sequenceLength+1 = " + sampleTokens + " tokens)" : "")
                + "; use a smaller sequenceLength or worldSize, or more data");
    }

    /** The index in the store of the next sample, or -1 when a one-pass loader has read everything. */
    int next() {
        while (taken == filled) {
            boolean epochEnded = filled < capacity;
            if (!epochEnded) {
                window++;
                startUnit = stream.unitPos();
                startOffset = stream.offset();
                fill();
                if (filled > 0) {
                    break;
                }
            }
            if (!loop) {
                return -1;
            }
            if (window == 0 && filled == 0) {
                throw noSample();
            }
            epoch++;
            window = 0;
            startUnit = 0;
            startOffset = 0;
            stream.seek(epoch, 0, 0);
            fill();
        }
        return perm[taken++];
    }

    private void fill() {
        filled = 0;
        while (filled < capacity) {
            boolean got = tokens != null
                    ? stream.nextSequence(tokens, filled * sampleTokens)
                    : stream.nextRow(features, labels, filled);
            if (!got) {
                break;
            }
            filled++;
        }
        perm = plan.windowOrder(epoch, window, filled);
        taken = 0;
    }

    int featureWidth() {
        return featureWidth;
    }
}

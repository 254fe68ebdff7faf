package dev.spindle.data;

/**
 * A rank's samples in read order within one epoch: its units in {@link ShardPlan#order} order, and in each
 * unit its rows (TABULAR) or its tokens (TOKENS, every document's ids concatenated; a sample is the next
 * {@code sequenceLength + 1} tokens and may span rows and units). The position is (unit index in the
 * epoch order, offset in that unit): a row index for rows, a token index for tokens. A token remainder
 * shorter than a sample at the end of an epoch is dropped.
 */
final class SampleStream {

    private final Dataset dataset;
    private final ShardPlan plan;
    private final UnitReader reader;
    private final int sampleTokens;

    private long epoch;
    private int[] order;
    private int unitPos;
    private int offset;
    private ColumnLayout.UnitData current;
    private int currentPos = -1;

    SampleStream(Dataset dataset, ShardPlan plan, UnitReader reader, int sampleTokens) {
        this.dataset = dataset;
        this.plan = plan;
        this.reader = reader;
        this.sampleTokens = sampleTokens;
    }

    /** Moves to a position; the order of {@code newEpoch} is recomputed from the seed. */
    void seek(long newEpoch, int newUnitPos, int newOffset) {
        if (order == null || newEpoch != epoch) {
            order = plan.order(newEpoch);
            currentPos = -1;
            current = null;
        }
        if (newUnitPos < 0 || newUnitPos > order.length || newOffset < 0) {
            throw new DataException("position (unit " + newUnitPos + ", offset " + newOffset + ") is outside this"
                    + " rank's " + order.length + " units");
        }
        epoch = newEpoch;
        unitPos = newUnitPos;
        offset = newOffset;
    }

    long epoch() {
        return epoch;
    }

    int unitPos() {
        return unitPos;
    }

    int offset() {
        return offset;
    }

    /** Copies the next {@code sequenceLength + 1} tokens to {@code dst[at..]}; false at the end of the epoch. */
    boolean nextSequence(int[] dst, int at) {
        int written = 0;
        while (written < sampleTokens) {
            ColumnLayout.UnitData u = unit();
            if (u == null) {
                return false;
            }
            int available = u.tokenCount() - offset;
            if (available <= 0) {
                advanceUnit(u.tokenCount());
                continue;
            }
            int take = Math.min(available, sampleTokens - written);
            System.arraycopy(u.tokens(), offset, dst, at + written, take);
            offset += take;
            written += take;
        }
        return true;
    }

    /** Copies the next row's features to {@code features[row * width..]} and its label; false at the epoch end. */
    boolean nextRow(float[] features, int[] labels, int row) {
        while (true) {
            ColumnLayout.UnitData u = unit();
            if (u == null) {
                return false;
            }
            if (offset >= u.rows()) {
                advanceUnit(u.rows());
                continue;
            }
            int width = dataset.layout().features().size();
            System.arraycopy(u.features(), offset * width, features, row * width, width);
            labels[row] = u.labels()[offset];
            offset++;
            return true;
        }
    }

    private void advanceUnit(int length) {
        if (offset > length) {
            throw new DataException("position offset " + offset + " is past the end of unit " + unitPos + " ("
                    + length + " items): the cursor does not match this dataset");
        }
        unitPos++;
        offset = 0;
    }

    private ColumnLayout.UnitData unit() {
        if (unitPos >= order.length) {
            return null;
        }
        if (currentPos != unitPos) {
            current = reader.read(dataset.units().get(order[unitPos]), epoch);
            currentPos = unitPos;
        }
        return current;
    }
}

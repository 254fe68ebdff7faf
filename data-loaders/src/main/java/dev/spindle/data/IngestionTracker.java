package dev.spindle.data;

/**
 * Feeds one loader's reads into an {@link IngestionLog}: the first read of a file in an epoch writes
 * the file's entry, with the rows of that file that belong to this rank (the same every epoch, since
 * sharding is by whole units).
 */
final class IngestionTracker {

    private final Dataset dataset;
    private final IngestionLog log;
    private final int rank;
    private final long[] rankRowsPerFile;
    private long epoch = -1;
    private boolean[] touched;

    IngestionTracker(Dataset dataset, ShardPlan plan, int rank, IngestionLog log) {
        this.dataset = dataset;
        this.log = log;
        this.rank = rank;
        this.rankRowsPerFile = new long[dataset.files().size()];
        for (int u : plan.order(0)) {
            Dataset.Unit unit = dataset.units().get(u);
            rankRowsPerFile[unit.file()] += dataset.files().get(unit.file()).blocks().get(unit.block()).rows();
        }
    }

    void touch(long unitEpoch, int file) {
        if (unitEpoch != epoch) {
            epoch = unitEpoch;
            touched = new boolean[rankRowsPerFile.length];
        }
        if (touched[file]) {
            return;
        }
        touched[file] = true;
        DatasetFiles.DataFile f = dataset.files().get(file).file();
        log.record(new IngestionLog.Entry(rank, epoch, f.name(), f.format().name(), f.bytes(), f.etag(),
                f.modificationTime(), rankRowsPerFile[file]));
    }
}

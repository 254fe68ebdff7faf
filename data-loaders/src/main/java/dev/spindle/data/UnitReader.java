package dev.spindle.data;

import java.io.IOException;
import org.apache.arrow.memory.BufferAllocator;

/**
 * Reads one unit (a record batch, a row group) at a time into plain arrays through the unit's file
 * format, keeping the current file open while consecutive units come from it, and tells the ingestion
 * log the first time an epoch touches a file. Used by one thread at a time.
 */
final class UnitReader implements AutoCloseable {

    private final Dataset dataset;
    private final BufferAllocator allocator;
    private final IngestionTracker ingestion;
    private int openFile = -1;
    private DatasetFormat.UnitFile file;
    private long bytesRead;

    UnitReader(Dataset dataset, BufferAllocator allocator) {
        this(dataset, allocator, null);
    }

    /** {@code ingestion} may be null: nothing is logged. */
    UnitReader(Dataset dataset, BufferAllocator allocator, IngestionTracker ingestion) {
        this.dataset = dataset;
        this.allocator = allocator;
        this.ingestion = ingestion;
    }

    /** Reads a unit of the rank's epoch {@code epoch} (the epoch only matters to the ingestion log). */
    ColumnLayout.UnitData read(Dataset.Unit unit, long epoch) {
        if (ingestion != null) {
            ingestion.touch(epoch, unit.file());
        }
        return read(unit);
    }

    ColumnLayout.UnitData read(Dataset.Unit unit) {
        FileIndex index = dataset.files().get(unit.file());
        FileIndex.Block block = index.blocks().get(unit.block());
        try {
            if (openFile != unit.file()) {
                closeFile();
                file = index.file().format().open(index, allocator);
                openFile = unit.file();
            }
            ColumnLayout.UnitData data = file.read(unit.block(), dataset.layout(), dataset.vocabSize());
            bytesRead += block.metadataLength() + block.bodyLength();
            return data;
        } catch (IOException e) {
            throw new DataException(index.file().name() + ": cannot read unit " + unit.block() + " at offset "
                    + block.offset() + " (" + e.getMessage() + "); was the file changed or truncated while training?",
                    e);
        }
    }

    /** Bytes of the units read so far (encoded sizes, as stored): what the benchmark divides by time. */
    long bytesRead() {
        return bytesRead;
    }

    private void closeFile() throws IOException {
        if (file != null) {
            try {
                file.close();
            } finally {
                file = null;
                openFile = -1;
            }
        }
    }

    @Override
    public void close() {
        String name = openFile >= 0 ? dataset.files().get(openFile).file().name() : "data file";
        try {
            closeFile();
        } catch (IOException e) {
            throw new DataException("cannot close " + name + ": " + e.getMessage(), e);
        }
    }
}

package dev.spindle.data;

import java.io.IOException;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;

/**
 * One on-disk dataset format (Arrow IPC, Parquet, ...): how to index a data file from its metadata alone,
 * and how to read one of its units (a record batch, a row group) into plain arrays. Everything above this
 * interface (sharding, shuffle, cursor, prefetch, the ingestion log) is shared by all formats. Formats are
 * registered in {@link DatasetFormats}, which rejects a second format of the same name or extension.
 *
 * <p>An implementation describes a file's columns as an Arrow {@link org.apache.arrow.vector.types.pojo.Schema}
 * in {@link FileIndex#schema()}, so that {@link ColumnLayout} checks every format with one set of rules
 * and messages.
 *
 * <pre>{@code
 * DatasetFormat parquet = DatasetFormats.byName("parquet");
 * FileIndex index = parquet.index(file, allocator);           // footer only
 * try (DatasetFormat.UnitFile f = parquet.open(index, allocator)) {
 *     ColumnLayout.UnitData rows = f.read(0, layout, vocabSize);  // the first row group
 * }
 * }</pre>
 */
interface DatasetFormat {

    /** The name used in {@code spec.data.format} and {@code --format}, lower case. */
    String name();

    /** File name endings (lower case, with the dot) that mark a data file of this format. */
    List<String> extensions();

    /**
     * Reads a file's schema and the position and row count of each unit from metadata only (footer,
     * message headers); never the data. Fails with a {@link DataException} naming the file.
     */
    FileIndex index(DatasetFiles.DataFile file, BufferAllocator allocator);

    /** Opens a file for reading units; the caller closes it. */
    UnitFile open(FileIndex index, BufferAllocator allocator) throws IOException;

    /** An open data file that reads one unit at a time. Used by one thread at a time. */
    interface UnitFile extends AutoCloseable {

        /** Reads unit {@code block} of the file and copies the layout's columns out of it. */
        ColumnLayout.UnitData read(int block, ColumnLayout layout, int vocabSize) throws IOException;

        @Override
        void close() throws IOException;
    }
}

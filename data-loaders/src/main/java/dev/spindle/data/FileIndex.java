package dev.spindle.data;

import java.util.List;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A data file's schema and its units (record batches of an Arrow file, row groups of a Parquet file),
 * learned from metadata only by the file's {@link DatasetFormat}. The schema is an Arrow schema whatever
 * the format, so that {@link ColumnLayout} checks every format alike.
 *
 * @param file the data file
 * @param schema its columns, with custom metadata (Parquet key/value metadata for Parquet files)
 * @param blocks its units in file order
 */
record FileIndex(DatasetFiles.DataFile file, Schema schema, List<Block> blocks) {

    /**
     * One unit: where it starts, its lengths, its row count. Arrow: the message's offset, metadata and body
     * lengths. Parquet: the row group's first byte, 0, its compressed size.
     */
    record Block(long offset, int metadataLength, long bodyLength, long rows) {
        Block {
            if (offset < 0 || metadataLength < 0 || bodyLength < 0 || rows < 0) {
                throw new IllegalArgumentException("block: offset, lengths and rows must be >= 0, got " + offset
                        + ", " + metadataLength + ", " + bodyLength + ", " + rows);
            }
        }
    }

    FileIndex {
        blocks = List.copyOf(blocks);
    }

    long rows() {
        return blocks.stream().mapToLong(Block::rows).sum();
    }
}

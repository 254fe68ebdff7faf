package dev.spindle.data.prepare;

import java.io.IOException;

/**
 * Where {@link TextDatasetPreparer} puts one split's documents: part files of one dataset format, each
 * document one row of a {@code tokens: list<int32>} column, in small units (record batches, row groups)
 * because units are what the loader shards and shuffles.
 *
 * <pre>{@code
 * try (TokenWriter w = PrepareFormat.PARQUET.writer(fs, dir, "tokens", metadata, 4096)) {
 *     w.add(new int[] {72, 105, 256});
 * }
 * }</pre>
 */
interface TokenWriter extends AutoCloseable {

    /** Appends one document. */
    void add(int[] tokens) throws IOException;

    /** Finishes the last unit and file; a split that received no document has no file. */
    @Override
    void close() throws IOException;
}

package dev.spindle.data;

import dev.spindle.train.BatchSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The front door of the data loaders: open a worker's batch stream over an Arrow or Parquet dataset, or inspect a
 * dataset without reading its data. See {@code docs/data.md} for layouts, sharding, shuffle and cursors.
 *
 * <pre>{@code
 * LoaderOptions o = LoaderOptions.tokens("file:///data/train", "tokens", 256, 8).withShard(rank, world);
 * try (BatchSource source = DataLoaders.open(o, checkpoint.dataCursor())) {
 *     try (NDManager step = root.newSubManager()) {
 *         Batch batch = source.next(step);
 *     }
 *     String cursor = source.cursor(); // into the next checkpoint
 * }
 * }</pre>
 */
public final class DataLoaders {

    private DataLoaders() {}

    /**
     * Opens a loader positioned at {@code cursor} (JSON from an earlier {@link BatchSource#cursor()}, or null
     * for the start). Fails before returning, with a {@link DataException} naming the file and column, on: no
     * files at the uri, a missing column, a wrong column type, a file that is not Arrow or is truncated, a
     * rank without data, or a cursor that belongs to another dataset, other options or another worldSize.
     */
    public static BatchSource open(LoaderOptions options, String cursor) {
        return open(options, cursor, null);
    }

    /**
     * As {@link #open(LoaderOptions, String)}, writing to {@code log} (may be null) the first time each epoch
     * reads each file: see {@link IngestionLog}.
     */
    public static BatchSource open(LoaderOptions options, String cursor, IngestionLog log) {
        Objects.requireNonNull(options, "options");
        BufferAllocator allocator = ArrowMemory.child("loader-rank" + options.rank());
        try {
            Dataset dataset = Dataset.open(options.uri(), options.format(), options.kind(), options.tokensColumn(),
                    options.features(), options.labelColumn(), allocator);
            int units = dataset.units().size();
            if (units <= options.rank()) {
                throw new DataException(options.uri() + " has " + units + " record batches or row groups in all,"
                        + " and those are the units of sharding: rank " + options.rank() + " of worldSize "
                        + options.worldSize() + " gets none; write smaller record batches or row groups, or use fewer ranks");
            }
            LoaderCursor.Parsed start = cursor == null
                    ? new LoaderCursor.Parsed(LoaderCursor.start(), 0)
                    : LoaderCursor.read(cursor, dataset, options);
            return new ArrowBatchSource(dataset, options, allocator, start.state(), start.batches(), log);
        } catch (RuntimeException e) {
            allocator.close();
            throw e;
        }
    }

    /**
     * Reads only schemas and footers (message headers for the stream format): files, total bytes, kind,
     * columns, vocabSize from the {@code spindle.vocab_size} metadata (tokens), feature count (tabular)
     * and row count. Fails like {@link #open} on missing files, columns or wrong types.
     */
    public static DatasetInfo inspect(String uri, DatasetKind kind, String tokensColumn, List<String> features,
            String labelColumn) {
        return inspect(uri, null, kind, tokensColumn, features, labelColumn);
    }

    /** As above, reading only files of {@code format} ({@code arrow}, {@code parquet}; null: by extension). */
    public static DatasetInfo inspect(String uri, String format, DatasetKind kind, String tokensColumn,
            List<String> features, String labelColumn) {
        // The options record carries the argument checks; the numbers in it do not matter here.
        LoaderOptions checked = new LoaderOptions(uri, kind, tokensColumn, 1, features, labelColumn, 1, 0, 0, 0, 0, 1,
                false, format, LoaderOptions.DEFAULT_PREFETCH_BYTES);
        try (BufferAllocator allocator = ArrowMemory.child("inspect")) {
            Dataset dataset = Dataset.open(checked.uri(), format, kind, tokensColumn, checked.features(), labelColumn,
                    allocator);
            List<String> names = new ArrayList<>();
            Set<String> formats = new LinkedHashSet<>();
            int units = 0;
            for (FileIndex f : dataset.files()) {
                names.add(f.file().name());
                formats.add(f.file().format().name());
                units += f.blocks().size();
            }
            List<String> columns = new ArrayList<>();
            dataset.files().get(0).schema().getFields().forEach(f -> columns.add(ColumnLayout.describe(f)));
            return new DatasetInfo(names, dataset.bytes(), kind,
                    kind == DatasetKind.TOKENS ? dataset.vocabSize() : DatasetInfo.UNKNOWN,
                    dataset.layout().features().size(), dataset.rows(), List.copyOf(formats), columns, units);
        }
    }

    /** Time the consumer of a loader from {@link #open} spent waiting for data, in nanoseconds. */
    public static long waitNanos(BatchSource source) {
        if (source instanceof ArrowBatchSource a) {
            return a.waitNanos();
        }
        throw new IllegalArgumentException("waitNanos needs a source from DataLoaders.open, got "
                + (source == null ? "null" : source.getClass().getName()));
    }

    /**
     * {@code sha256:<hex>} identifying the dataset a loader from {@link #open} reads: its files, their
     * sizes and unit layout (the same digest its cursors are tied to).
     */
    public static String datasetDigest(BatchSource source) {
        if (source instanceof ArrowBatchSource a) {
            return a.datasetDigest();
        }
        throw new IllegalArgumentException("datasetDigest needs a source from DataLoaders.open, got "
                + (source == null ? "null" : source.getClass().getName()));
    }
}

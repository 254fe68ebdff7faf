package dev.spindle.data;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.hadoop.fs.FileSystem;

/**
 * Measures how fast a dataset's files are read through Hadoop's FileSystem two ways, in the same process
 * and alternating: <b>raw</b>, every file's bytes read sequentially into a 4 MiB buffer and dropped (what
 * storage can deliver: the ceiling), and <b>reader</b>, every unit decoded by the file's
 * {@link DatasetFormat} into the loader's plain arrays, in file order (what the loader's background
 * thread does, before shuffling and batching). Both divide the files' size by the time taken.
 *
 * <pre>{@code
 * ReadThroughput.Result r = ReadThroughput.measure("file:///data/train", null, DatasetKind.TOKENS, "tokens",
 *         List.of(), null);
 * double share = r.readerMBps() / r.rawMBps();   // the Arrow reader should be >= 0.9
 * }</pre>
 */
public final class ReadThroughput {

    /** Bytes per read call of the raw pass. */
    static final int RAW_BUFFER_BYTES = 4 << 20;

    /**
     * One measurement.
     *
     * @param files data files read
     * @param bytes their total size
     * @param rows rows (documents or examples) decoded by the reader pass
     * @param rawSeconds time of the raw pass
     * @param readerSeconds time of the reader pass
     */
    public record Result(int files, long bytes, long rows, double rawSeconds, double readerSeconds) {
        public Result {
            if (files < 1 || bytes < 0 || rows < 0 || !(rawSeconds > 0) || !(readerSeconds > 0)) {
                throw new IllegalArgumentException("files >= 1, bytes and rows >= 0 and positive times expected, got "
                        + files + ", " + bytes + ", " + rows + ", " + rawSeconds + ", " + readerSeconds);
            }
        }

        public double rawMBps() {
            return bytes / 1e6 / rawSeconds;
        }

        public double readerMBps() {
            return bytes / 1e6 / readerSeconds;
        }

        public double readerRowsPerSecond() {
            return rows / readerSeconds;
        }
    }

    private ReadThroughput() {}

    /** One raw pass, then one reader pass, over the dataset at {@code uri}; see {@link DataLoaders#inspect}. */
    public static Result measure(String uri, String format, DatasetKind kind, String tokensColumn,
            List<String> features, String labelColumn) {
        Objects.requireNonNull(kind, "kind");
        try (BufferAllocator allocator = ArrowMemory.child("read-throughput")) {
            Dataset dataset = Dataset.open(uri, format, kind, tokensColumn, features == null ? List.of() : features,
                    labelColumn, allocator);
            long t0 = System.nanoTime();
            long raw = readRaw(dataset);
            long t1 = System.nanoTime();
            long rows = 0;
            try (UnitReader reader = new UnitReader(dataset, allocator)) {
                for (Dataset.Unit unit : dataset.units()) {
                    rows += reader.read(unit).rows();
                }
            }
            long t2 = System.nanoTime();
            if (raw != dataset.bytes()) {
                throw new DataException(uri + ": read " + raw + " bytes but the listing said " + dataset.bytes()
                        + "; did the files change during the measurement?");
            }
            return new Result(dataset.files().size(), dataset.bytes(), rows, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        }
    }

    private static long readRaw(Dataset dataset) {
        byte[] buffer = new byte[RAW_BUFFER_BYTES];
        long total = 0;
        for (FileIndex index : dataset.files()) {
            DatasetFiles.DataFile f = index.file();
            FileSystem fs = DatasetFiles.fileSystem(f.path());
            try (InputStream in = fs.open(f.path())) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    total += n;
                }
            } catch (IOException e) {
                throw new DataException(f.name() + ": cannot read: " + e.getMessage(), e);
            }
        }
        return total;
    }
}

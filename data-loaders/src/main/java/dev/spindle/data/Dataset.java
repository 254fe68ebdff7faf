package dev.spindle.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;

/**
 * A dataset as the loader sees it: its files' indexes, checked column layout, and the fixed global order
 * of its units, a unit being one record batch of one file: files in path order, batches in file order.
 *
 * @param files every file's index, in global order
 * @param layout the checked columns
 * @param units (file, batch) pairs in global order
 * @param vocabSize {@code spindle.vocab_size} from the schema metadata, -1 if absent
 * @param digest identifies the files, their sizes and batch layout (what a cursor is tied to)
 */
record Dataset(List<FileIndex> files, ColumnLayout layout, List<Unit> units, int vocabSize, String digest) {

    /** Schema metadata key holding the vocabulary size of a token dataset. */
    static final String VOCAB_SIZE_KEY = "spindle.vocab_size";

    /** One record batch of one file. */
    record Unit(int file, int block) {}

    Dataset {
        files = List.copyOf(files);
        units = List.copyOf(units);
    }

    /** Lists, indexes and checks every file; fails naming the first file that does not fit. */
    static Dataset open(String uri, DatasetKind kind, String tokensColumn, List<String> features, String labelColumn,
            BufferAllocator allocator) {
        return open(uri, null, kind, tokensColumn, features, labelColumn, allocator);
    }

    /** As above, restricted to files of {@code format} (null: every registered format, by extension). */
    static Dataset open(String uri, String format, DatasetKind kind, String tokensColumn, List<String> features,
            String labelColumn, BufferAllocator allocator) {
        List<DatasetFiles.DataFile> dataFiles = DatasetFiles.resolve(uri, format);
        List<FileIndex> indexes = new ArrayList<>(dataFiles.size());
        for (DatasetFiles.DataFile f : dataFiles) {
            indexes.add(f.format().index(f, allocator));
        }
        ColumnLayout layout = ColumnLayout.resolve(kind, tokensColumn, features, labelColumn, indexes.get(0));
        List<Unit> units = new ArrayList<>();
        int vocab = DatasetInfo.UNKNOWN;
        String vocabFrom = null;
        for (int i = 0; i < indexes.size(); i++) {
            FileIndex index = indexes.get(i);
            layout.check(index);
            for (int b = 0; b < index.blocks().size(); b++) {
                units.add(new Unit(i, b));
            }
            int v = vocabOf(index);
            if (v != DatasetInfo.UNKNOWN) {
                if (vocabFrom != null && v != vocab) {
                    throw new DataException(index.file().name() + ": schema metadata " + VOCAB_SIZE_KEY + "=" + v
                            + " disagrees with " + vocab + " in " + vocabFrom + "; one dataset needs one vocabulary");
                }
                vocab = v;
                vocabFrom = index.file().name();
            }
        }
        return new Dataset(indexes, layout, units, vocab, digestOf(indexes, layout));
    }

    long bytes() {
        return files.stream().mapToLong(f -> f.file().bytes()).sum();
    }

    long rows() {
        return files.stream().mapToLong(FileIndex::rows).sum();
    }

    private static int vocabOf(FileIndex index) {
        String raw = index.schema().getCustomMetadata() == null
                ? null : index.schema().getCustomMetadata().get(VOCAB_SIZE_KEY);
        if (raw == null) {
            return DatasetInfo.UNKNOWN;
        }
        try {
            int v = Integer.parseInt(raw.trim());
            if (v < 1) {
                throw new NumberFormatException("not positive");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new DataException(index.file().name() + ": schema metadata " + VOCAB_SIZE_KEY + "=\"" + raw
                    + "\" is not a positive integer", e);
        }
    }

    private static String digestOf(List<FileIndex> indexes, ColumnLayout layout) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            StringBuilder sb = new StringBuilder(layout.toString());
            for (FileIndex f : indexes) {
                sb.append('\n').append(f.file().name()).append(' ').append(f.file().bytes());
                for (FileIndex.Block b : f.blocks()) {
                    sb.append(' ').append(b.offset()).append(':').append(b.rows());
                }
            }
            return HexFormat.of().formatHex(sha.digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}

package dev.spindle.data;

import java.util.List;
import java.util.Objects;

/**
 * What {@link DataLoaders#inspect} learned from a dataset's schemas and footers, without reading data.
 *
 * <pre>{@code
 * DatasetInfo info = DataLoaders.inspect("/data/train", DatasetKind.TOKENS, "tokens", List.of(), null);
 * int vocab = info.vocabSize(); // from the spindle.vocab_size schema metadata, -1 if absent
 * }</pre>
 *
 * @param files every data file, in the dataset's fixed global order (fully qualified URIs)
 * @param bytes the sum of the files' sizes
 * @param kind what the dataset holds
 * @param vocabSize {@code spindle.vocab_size} from the schema metadata, {@code -1} if unknown
 * @param featureCount the number of feature columns ({@code 0} for token datasets)
 * @param rows the number of rows (documents or examples), {@code -1} if unknown
 * @param formats the dataset formats of its files ({@code arrow}, {@code parquet})
 * @param columns the first file's columns as {@code name: type} (Arrow type names, Parquet mapped to them)
 * @param units record batches and row groups in all: the most ranks that can share the dataset
 */
public record DatasetInfo(List<String> files, long bytes, DatasetKind kind, int vocabSize, int featureCount, long rows,
        List<String> formats, List<String> columns, int units) {

    /** The value of {@link #vocabSize} and {@link #rows} when the dataset does not say. */
    public static final int UNKNOWN = -1;

    public DatasetInfo {
        files = List.copyOf(Objects.requireNonNull(files, "files"));
        formats = List.copyOf(Objects.requireNonNull(formats, "formats"));
        columns = List.copyOf(Objects.requireNonNull(columns, "columns"));
        if (units < 0) {
            throw new IllegalArgumentException("units must be >= 0, got " + units);
        }
        Objects.requireNonNull(kind, "kind");
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0, got " + bytes);
        }
        if (vocabSize < UNKNOWN || featureCount < 0 || rows < UNKNOWN) {
            throw new IllegalArgumentException("vocabSize and rows must be >= -1 and featureCount >= 0, got "
                    + vocabSize + ", " + rows + ", " + featureCount);
        }
    }
}

package dev.spindle.data;

import java.util.List;
import java.util.Objects;

/**
 * How to read one worker's share of a dataset. Validated when made; every message names the field,
 * the value and what was expected.
 *
 * <pre>{@code
 * LoaderOptions train = LoaderOptions.tokens("file:///data/train", "tokens", 256, 8)
 *         .withShard(rank, worldSize);
 * LoaderOptions eval = train.withUri("file:///data/eval").withLoop(false).withShuffleBuffer(0);
 * }</pre>
 *
 * @param uri a file, a directory (every {@code .arrow}, {@code .feather} or {@code .arrows} file directly
 *     in it) or a glob; a path without a scheme is a local path
 * @param kind what the dataset holds
 * @param tokensColumn TOKENS: the {@code list<int32>} column of token ids
 * @param sequenceLength TOKENS: documents are concatenated and cut into consecutive, non-overlapping
 *     chunks of {@code sequenceLength + 1} tokens (inputs = first T, labels = last T)
 * @param features TABULAR: float32 or float64 columns; empty = every floating column except the label
 * @param labelColumn TABULAR: the integer label column
 * @param batchSize sequences or rows per batch
 * @param shuffleBuffer samples per shuffle window; 0 = read order (no shuffling at all)
 * @param prefetch batches prepared ahead on a background thread; 0 = synchronous
 * @param seed seeds the per-epoch unit permutation and the window permutations
 * @param rank this worker's data-parallel rank, {@code 0 <= rank < worldSize}
 * @param worldSize the data-parallel size
 * @param loop true: endless (epochs wrap around, reshuffled per epoch); false: one pass
 * @param format {@code arrow} or {@code parquet}: only files of that format are read; null: each file's
 *     format comes from its extension
 * @param prefetchBytes upper bound on the bytes of batches prepared ahead (with {@code prefetch > 0}); the
 *     loader keeps {@code min(prefetch + 1, prefetchBytes / batchBytes)} batch buffers
 */
public record LoaderOptions(
        String uri,
        DatasetKind kind,
        String tokensColumn,
        int sequenceLength,
        List<String> features,
        String labelColumn,
        int batchSize,
        int shuffleBuffer,
        int prefetch,
        long seed,
        int rank,
        int worldSize,
        boolean loop,
        String format,
        long prefetchBytes) {

    /** The column {@link dev.spindle.data.prepare.TextDatasetPreparer} writes. */
    public static final String DEFAULT_TOKENS_COLUMN = "tokens";
    /** Samples per shuffle window unless told otherwise. */
    public static final int DEFAULT_SHUFFLE_BUFFER = 1024;
    /** Batches prepared ahead unless told otherwise. */
    public static final int DEFAULT_PREFETCH = 2;
    /** The seed unless told otherwise. */
    public static final long DEFAULT_SEED = 42L;
    /** Upper bound on prefetched batches: each one holds its buffers in memory. */
    public static final int MAX_PREFETCH = 64;
    /** Bytes of prepared batches a prefetching loader may hold unless told otherwise. */
    public static final long DEFAULT_PREFETCH_BYTES = 256L << 20;

    public LoaderOptions {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("uri: expected a file, directory or glob, got " + quoted(uri));
        }
        Objects.requireNonNull(kind, "kind: expected TOKENS or TABULAR, got null");
        features = features == null ? List.of() : List.copyOf(features);
        if (kind == DatasetKind.TOKENS) {
            requireName("tokensColumn", tokensColumn);
            if (sequenceLength < 1) {
                throw new IllegalArgumentException("sequenceLength: expected >= 1 for TOKENS, got " + sequenceLength);
            }
        } else {
            requireName("labelColumn", labelColumn);
            for (int i = 0; i < features.size(); i++) {
                requireName("features[" + i + "]", features.get(i));
                if (features.get(i).equals(labelColumn)) {
                    throw new IllegalArgumentException("features[" + i + "]: " + quoted(features.get(i))
                            + " is also the labelColumn; a column cannot be both");
                }
                if (features.indexOf(features.get(i)) != i) {
                    throw new IllegalArgumentException("features[" + i + "]: " + quoted(features.get(i))
                            + " is listed twice");
                }
            }
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize: expected >= 1, got " + batchSize);
        }
        if (shuffleBuffer < 0) {
            throw new IllegalArgumentException("shuffleBuffer: expected >= 0 (0 = read order), got " + shuffleBuffer);
        }
        if (prefetch < 0 || prefetch > MAX_PREFETCH) {
            throw new IllegalArgumentException("prefetch: expected 0.." + MAX_PREFETCH + " (0 = synchronous), got "
                    + prefetch);
        }
        if (format != null && !DatasetFormats.builtIn().names().contains(format)) {
            throw new IllegalArgumentException("format: expected one of " + DatasetFormats.builtIn().names()
                    + " or null (from the file extension), got " + quoted(format));
        }
        if (prefetchBytes < 1) {
            throw new IllegalArgumentException("prefetchBytes: expected >= 1, got " + prefetchBytes);
        }
        if (worldSize < 1) {
            throw new IllegalArgumentException("worldSize: expected >= 1, got " + worldSize);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank: expected 0.." + (worldSize - 1) + " for worldSize " + worldSize
                    + ", got " + rank);
        }
    }

    /** Token options with the defaults: shuffled, prefetched, endless, rank 0 of 1. */
    public static LoaderOptions tokens(String uri, String tokensColumn, int sequenceLength, int batchSize) {
        return new LoaderOptions(uri, DatasetKind.TOKENS, tokensColumn, sequenceLength, List.of(), null, batchSize,
                DEFAULT_SHUFFLE_BUFFER, DEFAULT_PREFETCH, DEFAULT_SEED, 0, 1, true, null, DEFAULT_PREFETCH_BYTES);
    }

    /** Tabular options with the defaults: shuffled, prefetched, endless, rank 0 of 1. */
    public static LoaderOptions tabular(String uri, List<String> features, String labelColumn, int batchSize) {
        return new LoaderOptions(uri, DatasetKind.TABULAR, null, 0, features, labelColumn, batchSize,
                DEFAULT_SHUFFLE_BUFFER, DEFAULT_PREFETCH, DEFAULT_SEED, 0, 1, true, null, DEFAULT_PREFETCH_BYTES);
    }

    public LoaderOptions withUri(String newUri) {
        return new LoaderOptions(newUri, kind, tokensColumn, sequenceLength, features, labelColumn, batchSize,
                shuffleBuffer, prefetch, seed, rank, worldSize, loop, format, prefetchBytes);
    }

    public LoaderOptions withShard(int newRank, int newWorldSize) {
        return new LoaderOptions(uri, kind, tokensColumn, sequenceLength, features, labelColumn, batchSize,
                shuffleBuffer, prefetch, seed, newRank, newWorldSize, loop, format, prefetchBytes);
    }

    public LoaderOptions withShuffleBuffer(int newShuffleBuffer) {
        return new LoaderOptions(uri, kind, tokensColumn, sequenceLength, features, labelColumn, batchSize,
                newShuffleBuffer, prefetch, seed, rank, worldSize, loop, format, prefetchBytes);
    }

    public LoaderOptions withPrefetch(int newPrefetch) {
        return new LoaderOptions(uri, kind, tokensColumn, sequenceLength, features, labelColumn, batchSize,
                shuffleBuffer, newPrefetch, seed, rank, worldSize, loop, format, prefetchBytes);
    }

    public LoaderOptions withSeed(long newSeed) {
        return new LoaderOptions(uri, kind, tokensColumn, sequenceLength, features, labelColumn, batchSize,
                shuffleBuffer, prefetch, newSeed, rank, worldSize, loop, format, prefetchBytes);
    }

    public LoaderOptions withLoop(boolean newLoop) {
        return new LoaderOptions(uri, kind, tokensColumn, sequenceLength, features, labelColumn, batchSize,
                shuffleBuffer, prefetch, seed, rank, worldSize, newLoop, format, prefetchBytes);
    }

    public LoaderOptions withFormat(String newFormat) {
        return new LoaderOptions(uri, kind, tokensColumn, sequenceLength, features, labelColumn, batchSize,
                shuffleBuffer, prefetch, seed, rank, worldSize, loop, newFormat, prefetchBytes);
    }

    public LoaderOptions withPrefetchBytes(long newPrefetchBytes) {
        return new LoaderOptions(uri, kind, tokensColumn, sequenceLength, features, labelColumn, batchSize,
                shuffleBuffer, prefetch, seed, rank, worldSize, loop, format, newPrefetchBytes);
    }

    private static void requireName(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + ": expected a column name, got " + quoted(value));
        }
    }

    private static String quoted(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }
}

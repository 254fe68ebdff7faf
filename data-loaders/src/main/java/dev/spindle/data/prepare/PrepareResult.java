package dev.spindle.data.prepare;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@link TextDatasetPreparer#prepare} wrote.
 *
 * <pre>{@code
 * PrepareResult r = TextDatasetPreparer.prepare(List.of("/usr/share/common-licenses/*"), out, 0.1, 42);
 * System.out.println(r.trainTokens() + " training tokens in " + r.trainUri());
 * }</pre>
 *
 * @param trainUri the training split's directory, as a fully qualified URI
 * @param evalUri the evaluation split's directory (no data file when no document went there)
 * @param format {@code arrow} or {@code parquet}
 * @param inputFiles text files read
 * @param inputBytes bytes of text read
 * @param trainDocuments documents in the training split
 * @param evalDocuments documents in the evaluation split
 * @param trainTokens tokens in the training split, end-of-document tokens included
 * @param evalTokens tokens in the evaluation split, end-of-document tokens included
 */
public record PrepareResult(String trainUri, String evalUri, String format, int inputFiles, long inputBytes, long trainDocuments,
        long evalDocuments, long trainTokens, long evalTokens) {

    public PrepareResult {
        Objects.requireNonNull(trainUri, "trainUri");
        Objects.requireNonNull(evalUri, "evalUri");
        Objects.requireNonNull(format, "format");
        if (inputFiles < 0 || inputBytes < 0 || trainDocuments < 0 || evalDocuments < 0 || trainTokens < 0
                || evalTokens < 0) {
            throw new IllegalArgumentException("counts must be >= 0: " + inputFiles + ", " + inputBytes + ", "
                    + trainDocuments + ", " + evalDocuments + ", " + trainTokens + ", " + evalTokens);
        }
    }

    /** The training split's local directory; fails for a split written to another file system. */
    public Path trainDir() {
        return local(trainUri);
    }

    /** The evaluation split's local directory; fails for a split written to another file system. */
    public Path evalDir() {
        return local(evalUri);
    }

    private static Path local(String uri) {
        URI u = URI.create(uri);
        if (!"file".equals(u.getScheme())) {
            throw new IllegalStateException(uri + " is not a local directory; use the URI");
        }
        return Path.of(u);
    }

    /** Documents in both splits. */
    public long documents() {
        return trainDocuments + evalDocuments;
    }
}

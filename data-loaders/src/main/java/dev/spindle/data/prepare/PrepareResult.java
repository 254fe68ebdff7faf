package dev.spindle.data.prepare;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@link TextDatasetPreparer#prepare} wrote.
 *
 * <pre>{@code
 * PrepareResult r = TextDatasetPreparer.prepare(List.of("/usr/share/common-licenses/*"), out, 0.1, 42);
 * System.out.println(r.trainTokens() + " training tokens in " + r.trainDir());
 * }</pre>
 *
 * @param trainDir the training split's directory
 * @param evalDir the evaluation split's directory (no data file when no document went there)
 * @param inputFiles text files read
 * @param inputBytes bytes of text read
 * @param trainDocuments documents in the training split
 * @param evalDocuments documents in the evaluation split
 * @param trainTokens tokens in the training split, end-of-document tokens included
 * @param evalTokens tokens in the evaluation split, end-of-document tokens included
 */
public record PrepareResult(Path trainDir, Path evalDir, int inputFiles, long inputBytes, long trainDocuments,
        long evalDocuments, long trainTokens, long evalTokens) {

    public PrepareResult {
        Objects.requireNonNull(trainDir, "trainDir");
        Objects.requireNonNull(evalDir, "evalDir");
        if (inputFiles < 0 || inputBytes < 0 || trainDocuments < 0 || evalDocuments < 0 || trainTokens < 0
                || evalTokens < 0) {
            throw new IllegalArgumentException("counts must be >= 0: " + inputFiles + ", " + inputBytes + ", "
                    + trainDocuments + ", " + evalDocuments + ", " + trainTokens + ", " + evalTokens);
        }
    }

    /** Documents in both splits. */
    public long documents() {
        return trainDocuments + evalDocuments;
    }
}

package dev.spindle.data;

/**
 * What a dataset holds and therefore what a {@link dev.spindle.train.Batch} made from it looks like.
 *
 * <pre>{@code
 * LoaderOptions o = LoaderOptions.tokens("file:///data/train", "tokens", 256, 8);
 * assert o.kind() == DatasetKind.TOKENS;
 * }</pre>
 */
public enum DatasetKind {
    /** A {@code list<int32>} column of token ids; batches of {@code int32 [B,T]} inputs and labels. */
    TOKENS,
    /** Floating feature columns and an integer label; batches of {@code float32 [B,F]} and {@code int32 [B]}. */
    TABULAR
}

package dev.spindle.checkpoint;

/**
 * How a parameter is split among the T tensor-parallel ranks: along {@code dim}, after viewing it as
 * {@code chunks} equal chunks along that dim (a fused q|k|v weight is chunks=3: rank t holds the t-th
 * T-th of each chunk, concatenated). dim -1 = replicated.
 */
public record TensorSplit(int dim, int chunks) {

    /** Every rank holds the whole tensor. */
    public static final TensorSplit REPLICATED = new TensorSplit(-1, 1);
}

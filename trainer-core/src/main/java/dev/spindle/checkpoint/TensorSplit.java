package dev.spindle.checkpoint;

/**
 * How a parameter is split among the tensor ranks: along {@code dim}, after viewing it as
 * {@code chunks} equal chunks along that dimension. Tensor rank {@code t} of {@code T} holds the
 * {@code t}-th {@code T}-th of each chunk, the pieces concatenated in chunk order: a fused q|k|v
 * projection is {@code chunks = 3}, so every rank holds its own heads of q, k and v. {@code dim = -1}
 * means replicated: every tensor rank holds the whole parameter.
 *
 * <pre>{@code
 * Map<String, TensorSplit> splits = Map.of(
 *         "h.0.attn.c_attn.weight", new TensorSplit(1, 3),   // columns, q|k|v fused
 *         "h.0.attn.c_proj.weight", new TensorSplit(0, 1));  // rows
 * }</pre>
 */
public record TensorSplit(int dim, int chunks) {

    /** Not split: every tensor rank holds the whole parameter. */
    public static final TensorSplit REPLICATED = new TensorSplit(-1, 1);

    public TensorSplit {
        if (dim < -1) {
            throw new IllegalArgumentException("TensorSplit.dim must be >= 0 (the dimension to split along) or -1"
                    + " (replicated), got " + dim);
        }
        if (chunks < 1) {
            throw new IllegalArgumentException("TensorSplit.chunks must be >= 1 (3 for a fused q|k|v), got " + chunks);
        }
        if (dim == -1 && chunks != 1) {
            throw new IllegalArgumentException("a replicated TensorSplit (dim -1) has chunks 1, got " + chunks);
        }
    }

    /** True when every tensor rank holds the whole parameter. */
    public boolean replicated() {
        return dim == -1;
    }
}

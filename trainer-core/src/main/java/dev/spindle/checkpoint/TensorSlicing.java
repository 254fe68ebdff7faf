package dev.spindle.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.List;

/**
 * Cutting a full tensor into the piece of one tensor rank, and joining the pieces of every tensor
 * rank back into the full tensor, as a {@link TensorSplit} defines them. Results are new, contiguous
 * arrays in the inputs' manager.
 */
public final class TensorSlicing {

    private TensorSlicing() {}

    /** Tensor rank {@code rank} of {@code size}'s piece of {@code full}. */
    public static NDArray slice(String name, NDArray full, TensorSplit split, int size, int rank) {
        if (split.replicated() || size == 1) {
            return full.duplicate();
        }
        checkDim(name, full, split);
        long length = full.getShape().get(split.dim());
        if (length % ((long) split.chunks() * size) != 0) {
            throw new IllegalArgumentException("cannot split '" + name + "' of shape " + full.getShape() + " along dim "
                    + split.dim() + " into " + split.chunks() + " chunk(s) × " + size + " tensor ranks: " + length
                    + " is not a multiple of " + (split.chunks() * size) + "; choose a tensor size that divides it");
        }
        NDList pieces = new NDList(split.chunks());
        try (NDList chunks = full.split(split.chunks(), split.dim())) {
            for (NDArray chunk : chunks) {
                try (NDList parts = chunk.split(size, split.dim())) {
                    pieces.add(parts.get(rank).duplicate());
                }
            }
        }
        return concat(pieces, split.dim());
    }

    /** The full tensor from the pieces of tensor ranks {@code 0..T-1}, in rank order. */
    public static NDArray join(String name, List<NDArray> pieces, TensorSplit split) {
        if (split.replicated() || pieces.size() == 1) {
            return pieces.get(0).duplicate();
        }
        for (NDArray piece : pieces) {
            checkDim(name, piece, split);
            if (piece.getShape().get(split.dim()) % split.chunks() != 0) {
                throw new IllegalArgumentException("cannot join '" + name + "': a piece of shape " + piece.getShape()
                        + " does not hold " + split.chunks() + " equal chunks along dim " + split.dim());
            }
        }
        NDList ordered = new NDList(split.chunks() * pieces.size());
        NDList[] chunksOfRank = new NDList[pieces.size()];
        try {
            for (int t = 0; t < pieces.size(); t++) {
                chunksOfRank[t] = pieces.get(t).split(split.chunks(), split.dim());
            }
            for (int c = 0; c < split.chunks(); c++) {
                for (NDList chunks : chunksOfRank) {
                    ordered.add(chunks.get(c));
                }
            }
            return NDArrays.concat(ordered, split.dim());
        } finally {
            for (NDList chunks : chunksOfRank) {
                if (chunks != null) {
                    chunks.close();
                }
            }
        }
    }

    private static NDArray concat(NDList pieces, int dim) {
        try (pieces) {
            return pieces.size() == 1 ? pieces.get(0).duplicate() : NDArrays.concat(pieces, dim);
        }
    }

    private static void checkDim(String name, NDArray array, TensorSplit split) {
        if (split.dim() >= array.getShape().dimension()) {
            throw new IllegalArgumentException("'" + name + "' has shape " + array.getShape() + " but its TensorSplit"
                    + " splits along dim " + split.dim());
        }
    }
}

package dev.spindle.checkpoint;

/**
 * The part of the model a shard holds: tensor rank {@code tensorRank} of {@code tensorSize}, pipeline
 * stage {@code pipelineStage} of {@code pipelineSize}. Every data-parallel replica of a place holds
 * the same tensors, so places do not depend on the data-parallel size.
 *
 * <pre>{@code
 * ShardPlace place = new ShardPlace(2, 1, 2, 0);   // tensor rank 1 of 2, first of 2 stages
 * }</pre>
 */
public record ShardPlace(int tensorSize, int tensorRank, int pipelineSize, int pipelineStage) {

    /** The whole model: no tensor or pipeline parallelism. */
    public static final ShardPlace WHOLE = new ShardPlace(1, 0, 1, 0);

    public ShardPlace {
        if (tensorSize < 1 || tensorRank < 0 || tensorRank >= tensorSize) {
            throw new IllegalArgumentException("ShardPlace needs 0 <= tensorRank < tensorSize, got tensorRank "
                    + tensorRank + " of tensorSize " + tensorSize);
        }
        if (pipelineSize < 1 || pipelineStage < 0 || pipelineStage >= pipelineSize) {
            throw new IllegalArgumentException("ShardPlace needs 0 <= pipelineStage < pipelineSize, got"
                    + " pipelineStage " + pipelineStage + " of pipelineSize " + pipelineSize);
        }
    }

    /** True when the model is not split: tensor size and pipeline size 1. (Not {@code isWhole}: the receipt travels as JSON, and a bean getter would add a field.) */
    public boolean unsplit() {
        return tensorSize == 1 && pipelineSize == 1;
    }

    /** The same mesh of places, another place in it. */
    ShardPlace at(int tensor, int stage) {
        return new ShardPlace(tensorSize, tensor, pipelineSize, stage);
    }

    /** "tensor=2 × pipeline=1", for messages. */
    String describeMesh() {
        return "tensor=" + tensorSize + " × pipeline=" + pipelineSize;
    }
}

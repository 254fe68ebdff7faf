package dev.spindle.model.gpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.spindle.checkpoint.TensorSlicing;
import dev.spindle.checkpoint.TensorSplit;
import dev.spindle.collective.ReduceOp;
import dev.spindle.model.CrossEntropy;
import dev.spindle.model.ModelConfigException;
import dev.spindle.model.Parameters;
import dev.spindle.model.Scalars;
import dev.spindle.parallel.pipeline.PipelineStage;
import dev.spindle.parallel.tensor.Tape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of a {@link Gpt} one rank of a tensor × pipeline mesh holds: the blocks of its pipeline
 * stage, each split Megatron-style among the T ranks of its tensor group, plus the embeddings on the
 * first stage and the final norm, the head and the loss on the last.
 *
 * <p>Attention is split by heads (the fused {@code c_attn} column-parallel, {@code c_proj}
 * row-parallel), the MLP by its hidden width ({@code c_fc} column-, {@code c_proj} row-parallel), so a
 * block communicates once per sub-layer in forward ({@link Tape#reduceForward}) and once in backward
 * ({@link Tape#reduceBackward}). The token embedding and the output head are split by vocabulary rows;
 * the loss is a vocabulary-parallel cross-entropy that combines row maxima, sums of exponentials and
 * target logits (three floats per position), never the logits. Layer norms, the position embedding
 * and the row-parallel biases are replicated and get the same gradients on every tensor rank. With a
 * tied head and several stages, the first and the last stage each hold a copy of the token embedding
 * ({@link #tiedNames()}): their gradients must be summed between the two before the optimizer steps.
 *
 * <p>Parameters keep GPT-2's names and hold this rank's slices ({@link #splits()} says how each was cut).
 *
 * <pre>{@code
 * GptShard shard = GptShard.of(fullModel, 2, tensorRank, GptStages.balanced(config, 2), stage, manager);
 * Tape tape = new Tape(tensorGroup, true);
 * NDArray out = shard.forward(tape, stage == 0 ? tokens : received, labels, true);  // loss on the last stage
 * NDArray inputGradient = tape.backward(out, stage == last ? null : gradientFromNextStage);
 * }</pre>
 */
public final class GptShard implements PipelineStage, AutoCloseable {

    static final String TOKEN_EMBEDDING = "transformer.wte.weight";

    private final GptConfig config;
    private final int tensorSize;
    private final int tensorRank;
    private final boolean first;
    private final boolean last;
    private final NDManager manager;
    private final Parameters parameters = new Parameters();
    private final Map<String, TensorSplit> splits = new LinkedHashMap<>();
    private final List<GptBlock> blocks = new ArrayList<>();
    private final Set<String> tied;
    private NDArray tokenEmbedding;
    private NDArray positionEmbedding;
    private NDArray finalNormWeight;
    private NDArray finalNormBias;
    private NDArray head;

    private GptShard(Gpt full, int tensorSize, int tensorRank, GptStages stages, int stage, NDManager parent) {
        this.config = full.config();
        this.tensorSize = tensorSize;
        this.tensorRank = tensorRank;
        this.first = stage == 0;
        this.last = stage == stages.stages() - 1;
        this.manager = parent.newSubManager();
        Parameters source = full.parameters();
        if (first) {
            tokenEmbedding = take(source, TOKEN_EMBEDDING, GptBlock.ROWS);
            positionEmbedding = take(source, "transformer.wpe.weight", TensorSplit.REPLICATED);
        }
        for (int i = stages.first(stage); i < stages.first(stage) + stages.layers(stage); i++) {
            // the shard's blocks are cut from the whole model's: nothing is initialised here
            blocks.add(new GptBlock(config, i, manager, (name, split, fresh) -> take(source, name, split)));
        }
        if (last) {
            finalNormWeight = take(source, "transformer.ln_f.weight", TensorSplit.REPLICATED);
            finalNormBias = take(source, "transformer.ln_f.bias", TensorSplit.REPLICATED);
            if (!config.tiedHead()) {
                head = take(source, "lm_head.weight", GptBlock.ROWS);
            } else if (first) {
                head = tokenEmbedding;
            } else {
                head = take(source, TOKEN_EMBEDDING, GptBlock.ROWS);
            }
        }
        tied = config.tiedHead() && stages.stages() > 1 && (first || last) ? Set.of(TOKEN_EMBEDDING) : Set.of();
    }

    /**
     * The shard of {@code full} that tensor rank {@code tensorRank} of {@code tensorSize} holds on pipeline
     * stage {@code stage}: copies of its slices, in a sub-manager of {@code parent} (close {@code full}
     * afterwards if it is not needed).
     *
     * @throws ModelConfigException if the model does not split that way ({@link #checkSplit})
     */
    public static GptShard of(Gpt full, int tensorSize, int tensorRank, GptStages stages, int stage,
                              NDManager parent) {
        checkSplit(full.config(), tensorSize, stages.stages());
        if (tensorRank < 0 || tensorRank >= tensorSize || stage < 0 || stage >= stages.stages()) {
            throw new IllegalArgumentException("GptShard: tensor rank " + tensorRank + " of " + tensorSize
                    + ", stage " + stage + " of " + stages.stages() + " is outside the mesh");
        }
        // slices of parameters made with grad mode on would hang off the whole model's graph
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return new GptShard(full, tensorSize, tensorRank, stages, stage, parent);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    /**
     * Checks that a gpt model of {@code config} splits over {@code tensor} × {@code pipeline} ranks: the
     * heads and the vocabulary divide by {@code tensor}, and every stage gets at least one block.
     *
     * @throws ModelConfigException naming each field that does not fit
     */
    public static void checkSplit(GptConfig config, int tensor, int pipeline) {
        ModelConfigException.throwIfAny(splitProblems(config, tensor, pipeline));
    }

    /** What {@link #checkSplit} finds wrong, one line per field; empty when the model splits. */
    public static List<String> splitProblems(GptConfig config, int tensor, int pipeline) {
        List<String> problems = new ArrayList<>();
        if (tensor < 1 || pipeline < 1) {
            problems.add("parallelism: got tensor=" + tensor + ", pipeline=" + pipeline + ", expected both >= 1");
        } else {
            if (config.heads() % tensor != 0) {
                problems.add("heads: got " + config.heads() + ", expected a multiple of spec.parallelism.tensor ("
                        + tensor + "): attention is split by heads");
            }
            if (config.vocabSize() % tensor != 0) {
                problems.add("vocabSize: got " + config.vocabSize() + ", expected a multiple of"
                        + " spec.parallelism.tensor (" + tensor + "): the embedding and the head are split by"
                        + " vocabulary rows");
            }
            if (pipeline > config.layers()) {
                problems.add("layers: got " + config.layers() + ", expected at least spec.parallelism.pipeline ("
                        + pipeline + "): every pipeline stage holds at least one block");
            }
        }
        return problems;
    }

    /** The configuration of the whole model. */
    public GptConfig config() {
        return config;
    }

    /** This rank's parameters, under GPT-2's names, holding its slices. */
    @Override
    public Parameters parameters() {
        return parameters;
    }

    /** How each parameter was cut from the whole model's, in registration order. */
    @Override
    public Map<String, TensorSplit> splits() {
        return Collections.unmodifiableMap(splits);
    }

    /**
     * The parameters this stage shares with another stage (the tied token embedding on the first and
     * the last stage when there are several): their gradients must be summed between the two.
     */
    @Override
    public Set<String> tiedNames() {
        return tied;
    }

    /** Whether this is the first pipeline stage (it reads tokens). */
    public boolean first() {
        return first;
    }

    /** Whether this is the last pipeline stage (it computes the loss). */
    public boolean last() {
        return last;
    }

    /**
     * One micro-batch through this stage. The first stage reads {@code int32 [B, T]} tokens, the others
     * the previous stage's activation {@code [B, T, hidden]}, which becomes the tape's input leaf. The
     * last stage returns the mean cross-entropy against {@code labels}, the others their activation.
     */
    @Override
    public NDArray forward(Tape tape, NDArray input, NDArray labels, boolean training) {
        NDManager step = input.getManager();
        NDArray x;
        long time = input.getShape().get(1);
        if (first) {
            NDArray positions = step.arange(0, (int) time, 1, DataType.INT32);
            x = embedTokens(tape, input).add(Gpt.embed(positions, positionEmbedding));
            x = GptBlock.dropout(config, x, training);
        } else {
            x = tape.input(input);
        }
        NDArray mask = Gpt.causalMask(step, time);
        for (GptBlock block : blocks) {
            x = block.forward(tape, x, mask, training, tensorSize);
        }
        if (!last) {
            return x;
        }
        NDArray h = tape.reduceBackward(GptBlock.layerNorm(config, x, finalNormWeight, finalNormBias));
        NDArray headT = head.transpose();
        headT.attach(step);
        NDArray logits = h.matMul(headT);
        return tensorSize == 1 ? CrossEntropy.mean(logits, labels) : vocabParallelCrossEntropy(tape, logits, labels);
    }

    /** {@code [batch, time, hidden]} for tokens {@code [batch, time]}. */
    @Override
    public Shape activationShape(Shape inputShape) {
        return new Shape(inputShape.get(0), inputShape.get(1), config.hiddenSize());
    }

    /** Frees the parameters. Safe to call twice. */
    @Override
    public void close() {
        manager.close();
    }

    /** The token embedding of this rank's vocabulary rows; other tokens contribute zeros, summed over the group. */
    private NDArray embedTokens(Tape tape, NDArray tokens) {
        if (tensorSize == 1) {
            return Gpt.embed(tokens, tokenEmbedding);
        }
        long rows = tokenEmbedding.getShape().get(0);
        long start = rows * tensorRank;
        NDArray ids = tokens.toType(DataType.INT32, false);
        NDArray mine = ids.gte(start).logicalAnd(ids.lt(start + rows));
        NDArray local = NDArrays.where(mine, ids.sub(Scalars.of(ids, start)), ids.zerosLike());
        NDArray embedded = Gpt.embed(local, tokenEmbedding)
                .mul(mine.toType(DataType.FLOAT32, false).expandDims(-1));
        return tape.reduceForward(embedded);
    }

    /**
     * Mean cross-entropy over logits split by vocabulary: each rank holds {@code [.., V/T]} columns. The
     * row maxima (a constant), the sums of exponentials and the target logits are summed over the group,
     * so only three floats per position travel.
     */
    private NDArray vocabParallelCrossEntropy(Tape tape, NDArray logits, NDArray labels) {
        long columns = logits.getShape().tail();
        long rows = logits.size() / columns;
        if (labels.size() != rows) {
            throw new IllegalArgumentException("labels: got shape " + labels.getShape() + ", expected " + rows
                    + " values to match logits of shape " + logits.getShape());
        }
        long start = columns * tensorRank;
        // both sums below start from the logits: a cut here lets each backward stop at it, so the graph
        // before it is traversed once
        NDArray l = tape.boundary(logits.reshape(rows, columns));
        NDArray max = tape.constant(l.max(new int[] {1}, true), ReduceOp.MAX);
        NDArray shifted = l.sub(max);
        NDArray sumExp = tape.reduceForward(shifted.exp().sum(new int[] {1}));
        NDArray ids = labels.reshape(rows, 1).toType(DataType.INT64, false);
        NDArray mine = ids.gte(start).logicalAnd(ids.lt(start + columns));
        NDArray local = NDArrays.where(mine, ids.sub(Scalars.of(ids, start)), ids.zerosLike());
        NDArray picked = shifted.gather(local, 1).mul(mine.toType(DataType.FLOAT32, false)).reshape(rows);
        NDArray target = tape.reduceForward(picked);
        return sumExp.log().sub(target).mean();
    }

    /** Copies this rank's slice of {@code name} from the whole model and registers it. */
    private NDArray take(Parameters source, String name, TensorSplit split) {
        NDArray slice = TensorSlicing.slice(name, source.get(name), split, tensorSize, tensorRank);
        slice.attach(manager);
        splits.put(name, split);
        return parameters.register(name, slice);
    }
}

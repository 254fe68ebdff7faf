package dev.spindle.checkpoint;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a rank's shard of a checkpoint is: its {@link ShardPlace place} in the tensor × pipeline mesh,
 * which data-parallel replica of that place it is (replica 0 writes the tensors, the others vouch for
 * theirs), and how its parameters are split among the tensor ranks.
 *
 * <p>A parameter missing from {@code splits} is replicated. Which parameters a place gets back from
 * {@link CheckpointStore#loadShard} comes from the checkpoint where it can: every parameter for a
 * single stage, the same stage's parameters when the checkpoint has as many stages. Only resharding
 * onto another number of stages needs the layout to name every parameter of its stage (replicated
 * ones as {@link TensorSplit#REPLICATED}).
 *
 * <pre>{@code
 * ShardLayout mine = new ShardLayout(new ShardPlace(2, t, 2, p), d,
 *         Map.of("h.0.attn.c_attn.weight", new TensorSplit(1, 3), "ln_f.weight", TensorSplit.REPLICATED));
 * ShardReceipt receipt = store.writeShard(rank, worldSize, mine, parameters, optimizerState, state);
 * }</pre>
 *
 * @param replica the data-parallel rank of this shard among the replicas of its place ({@code >= 0})
 * @param splits parameter name to its split, in name order
 */
public record ShardLayout(ShardPlace place, int replica, Map<String, TensorSplit> splits) {

    public ShardLayout {
        if (place == null) {
            throw new IllegalArgumentException("ShardLayout.place is null; use ShardPlace.WHOLE for an unsplit model");
        }
        if (replica < 0) {
            throw new IllegalArgumentException("ShardLayout.replica must be >= 0 (the data-parallel rank), got "
                    + replica);
        }
        if (splits == null) {
            throw new IllegalArgumentException("ShardLayout.splits is null; pass Map.of() when nothing is split");
        }
        for (Map.Entry<String, TensorSplit> entry : splits.entrySet()) {
            if (entry.getKey() == null || entry.getValue() == null) {
                throw new IllegalArgumentException("ShardLayout.splits has a null name or split: " + splits);
            }
        }
        splits = Collections.unmodifiableMap(new TreeMap<>(splits));
    }

    /** The layout of rank {@code rank} of a data-parallel job: the whole model, replica {@code rank}, nothing split. */
    public static ShardLayout whole(int rank) {
        return new ShardLayout(ShardPlace.WHOLE, rank, Map.of());
    }

    /** The split of {@code name}: {@link TensorSplit#REPLICATED} when not listed. */
    public TensorSplit split(String name) {
        return splits.getOrDefault(name, TensorSplit.REPLICATED);
    }
}

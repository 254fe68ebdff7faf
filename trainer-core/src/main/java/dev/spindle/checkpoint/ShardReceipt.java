package dev.spindle.checkpoint;

import java.util.List;
import java.util.regex.Pattern;

/**
 * What one rank wrote into a step directory with {@link CheckpointStore#writeShard}:
 * the proof the coordinator collects from every rank before it {@linkplain CheckpointStore#commit
 * commits} the checkpoint. Plain data with a canonical constructor, so Jackson (and Pekko's Jackson
 * serializer) writes and reads it as JSON without annotations.
 *
 * <pre>{@code
 * ShardReceipt receipt = store.writeShard(rank, worldSize, parameters, optimizerState, state);
 * worker.reportShard(generation, receipt);          // on the coordinator, once every rank reported:
 * CheckpointInfo info = store.commit(receipts);
 * }</pre>
 *
 * @param step the step the shard was saved after
 * @param rank the writer's rank, {@code 0 <= rank < worldSize}
 * @param worldSize the number of ranks that write this checkpoint
 * @param parametersDigest {@link ParametersDigest} of the rank's replica of the parameters
 * @param specDigest the job spec's digest, as in {@link TrainState#specDigest()}
 * @param files the files this rank wrote, relative to the step directory, with size and SHA-256
 * @param place the part of the model the rank holds ({@link ShardPlace#WHOLE} when {@code null}, as in receipts
 *     of a Spindle without tensor and pipeline parallelism); {@code parametersDigest} is of that part
 */
public record ShardReceipt(long step, int rank, int worldSize, String parametersDigest, String specDigest,
                           List<Manifest.FileEntry> files, ShardPlace place) {

    private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");

    /** The receipt of a rank holding the whole model. */
    public ShardReceipt(long step, int rank, int worldSize, String parametersDigest, String specDigest,
                        List<Manifest.FileEntry> files) {
        this(step, rank, worldSize, parametersDigest, specDigest, files, ShardPlace.WHOLE);
    }

    public ShardReceipt {
        place = place == null ? ShardPlace.WHOLE : place;
        if (step < 0) {
            throw new IllegalArgumentException("ShardReceipt.step must be >= 0, got " + step);
        }
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("ShardReceipt needs 0 <= rank < worldSize, got rank " + rank
                    + " of worldSize " + worldSize);
        }
        if (parametersDigest == null || !DIGEST.matcher(parametersDigest).matches()) {
            throw new IllegalArgumentException("ShardReceipt.parametersDigest must be 64 lowercase hex digits"
                    + " (ParametersDigest.of), got " + parametersDigest);
        }
        if (specDigest == null) {
            throw new IllegalArgumentException("ShardReceipt.specDigest is null (\"\" if there is no spec)");
        }
        if (files == null || files.isEmpty()) {
            throw new IllegalArgumentException("ShardReceipt of rank " + rank + " lists no files");
        }
        files = List.copyOf(files);
    }
}

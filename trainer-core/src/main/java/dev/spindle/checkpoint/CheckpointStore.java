package dev.spindle.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints of one training run under one directory, in format v1 ({@code docs/checkpoint-format.md}):
 * a {@code step-NNNNNNNN/} directory per checkpoint whose {@code manifest.json}, written last and
 * atomically, is what makes it exist. A crash mid-save leaves a directory without a manifest, which
 * every reader ignores and the next save removes.
 *
 * <pre>{@code
 * CheckpointStore store = CheckpointStore.open(Path.of("/ckpt/run-7"), 3);
 * store.save(parameters.asMap(), optimizer.state(), new TrainState(step, seed, specDigest, cursor, loss));
 * ...
 * Optional<CheckpointInfo> resume = store.latest();
 * LoadedCheckpoint loaded = store.load(resume.orElseThrow(), manager);
 * }</pre>
 *
 * <p>One committer per store. With data-parallel ranks, each rank writes its shard with
 * {@link #writeShard} (rank 0 the tensors, the others a small {@code rank-NNNNN.json}) and the
 * coordinator {@link #commit commits} once every rank's {@link ShardReceipt} is in:
 *
 * <pre>{@code
 * ShardReceipt mine = store.writeShard(rank, worldSize, parameters.asMap(), optimizer.state(), state);
 * CheckpointInfo info = store.commit(receiptsOfEveryRank);     // on the coordinator
 * }</pre>
 */
public final class CheckpointStore {

    /** The format version of checkpoints of the whole model (one process or data parallelism only). */
    public static final int FORMAT_VERSION = 1;

    /**
     * The format version of checkpoints split by tensor or pipeline parallelism (per-place files, the
     * mesh in the manifest); readers of version 1 only refuse them rather than misread them.
     */
    public static final int MESH_FORMAT_VERSION = 2;

    /** The file at the store root naming the newest step directory; a hint for tools and people. */
    public static final String LATEST_FILE = "latest";

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);

    private final Path root;
    private final int keep;
    private final CheckpointStorage storage;

    private CheckpointStore(Path root, int keep, CheckpointStorage storage) {
        this.root = root;
        this.keep = keep;
        this.storage = storage;
    }

    /**
     * The store in {@code directory} (created if absent) that keeps the newest {@code keep} checkpoints.
     *
     * @throws UncheckedIOException if the directory cannot be created
     */
    public static CheckpointStore open(Path directory, int keep) {
        return open(new LocalCheckpointStorage(), directory, keep);
    }

    /**
     * The store in {@code directory} of {@code storage} (a remote one, say) that keeps the newest
     * {@code keep} checkpoints.
     *
     * @throws UncheckedIOException if the directory cannot be created
     */
    public static CheckpointStore open(CheckpointStorage storage, Path directory, int keep) {
        if (storage == null) {
            throw new IllegalArgumentException("checkpoint storage is null");
        }
        if (directory == null) {
            throw new IllegalArgumentException("checkpoint directory is null");
        }
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1 (how many checkpoints to retain), got " + keep);
        }
        try {
            storage.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create checkpoint directory " + storage.describe(directory)
                    + ": " + e, e);
        }
        return new CheckpointStore(directory, keep, storage);
    }

    /** Where {@code path} of this store is, as messages should name it (a URI for remote storage). */
    public String describe(Path path) {
        return storage.describe(path);
    }

    /**
     * Writes every file, fsyncs, then writes manifest.json last with create-if-absent (locally a temp
     * file and an atomic rename; on object stores one upload, no rename needed), then moves the
     * {@code latest} pointer (a hint) and deletes checkpoints beyond the newest {@code keep}, and partial
     * directories older than this one. The same as {@code commit(List.of(writeShard(0, 1, ...)))}.
     *
     * @throws FileAlreadyExistsException if a complete checkpoint of {@code state.step()} exists
     * @throws IllegalArgumentException if the store holds a checkpoint of a later step
     */
    public CheckpointInfo save(Map<String, NDArray> parameters, Map<String, NDArray> optimizerState,
                               TrainState state) throws IOException {
        return commit(List.of(writeShard(0, 1, parameters, optimizerState, state)));
    }

    /**
     * Writes rank {@code rank}'s part of the data-parallel checkpoint of {@code state.step()} and makes
     * it durable, without committing: rank 0 writes {@code model.safetensors}, {@code optimizer.safetensors}
     * and {@code state.json}; every other rank writes only {@code rank-NNNNN.json} (its step, cursor and
     * parameters digest), since parameters and optimizer state are replicas. Ranks of one step may write
     * concurrently, from different processes: they write disjoint files, and only a single-rank save
     * removes a partial directory of its step (with several ranks, rank 0 overwrites its own files in
     * place, because deleting the directory could delete another rank's finished shard).
     *
     * @return the receipt to hand to {@link #commit} (through the coordinator)
     * @throws FileAlreadyExistsException if a complete checkpoint of {@code state.step()} exists
     * @throws IllegalArgumentException if the store holds a checkpoint of a later step, or the rank is
     *     outside {@code [0, worldSize)}
     */
    public ShardReceipt writeShard(int rank, int worldSize, Map<String, NDArray> parameters,
                                   Map<String, NDArray> optimizerState, TrainState state) throws IOException {
        return writeShard(rank, worldSize, ShardLayout.whole(rank), parameters, optimizerState, state);
    }

    /**
     * Writes rank {@code rank}'s shard of the checkpoint of {@code state.step()}, {@code layout} saying
     * which part of the model {@code parameters} are. With {@link ShardPlace#WHOLE} this is the
     * data-parallel {@link #writeShard(int, int, Map, Map, TrainState) writeShard}. In a mesh, replica 0 of
     * place (t, p) writes {@code model-t<t>-p<p>.safetensors}, {@code optimizer-t<t>-p<p>.safetensors} and
     * {@code layout-t<t>-p<p>.json} (the splits; an optimizer tensor {@code <kind>/<parameter>} of the
     * parameter's shape is split like it, others are replicated), rank 0 (place (0, 0), replica 0) also
     * {@code state.json}, and every other replica {@code rank-NNNNN.json} with its place and digest.
     *
     * @throws IllegalArgumentException if rank 0 is not replica 0 of place (0, 0), or as the other overload
     */
    public ShardReceipt writeShard(int rank, int worldSize, ShardLayout layout, Map<String, NDArray> parameters,
                                   Map<String, NDArray> optimizerState, TrainState state) throws IOException {
        if (layout == null) {
            throw new IllegalArgumentException("writeShard needs a ShardLayout (ShardLayout.whole(rank) for a whole"
                    + " model), got null");
        }
        if (parameters == null || optimizerState == null || state == null) {
            throw new IllegalArgumentException("save needs parameters, optimizerState and state, got parameters="
                    + (parameters == null ? null : parameters.keySet()) + ", state=" + state);
        }
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("writeShard needs 0 <= rank < worldSize, got rank " + rank
                    + " of worldSize " + worldSize);
        }
        ShardPlace place = layout.place();
        boolean writesTensors = place.unsplit() ? rank == 0 : layout.replica() == 0;
        if (rank == 0 && !(writesTensors && place.tensorRank() == 0 && place.pipelineStage() == 0)) {
            throw new IllegalArgumentException("rank 0 writes state.json and must be replica 0 of tensor rank 0 of"
                    + " stage 0, got " + layout.place() + " replica " + layout.replica());
        }
        if (writesTensors) {
            TensorFile.checkWritable("parameters", parameters);
            TensorFile.checkWritable("optimizerState", optimizerState);
        }
        Path directory = root.resolve(StepDirectory.name(state.step()));
        checkNewStep(directory, state.step());
        if (worldSize == 1 && storage.exists(directory)) {
            // Listing did not accept it, so it is what an interrupted save of this step left behind.
            LOG.info("removing partial checkpoint {} left by an unfinished save", storage.describe(directory));
            storage.deleteRecursively(directory);
        }
        storage.createDirectories(directory);

        String digest = ParametersDigest.of(parameters);
        List<Manifest.FileEntry> files = new ArrayList<>();
        if (!place.unsplit()) {
            if (writesTensors) {
                files.addAll(writePlace(directory, layout, parameters, optimizerState));
            } else {
                byte[] shardJson = CheckpointJson.meshRankShard(rank, worldSize, place, state, digest);
                files.add(write(directory, StepDirectory.rankFile(rank), out -> out.write(shardJson)));
            }
            if (rank == 0) {
                byte[] stateJson = CheckpointJson.state(state);
                files.add(write(directory, StepDirectory.STATE, out -> out.write(stateJson)));
            }
        } else if (rank == 0) {
            files.add(write(directory, StepDirectory.MODEL,
                    out -> TensorFile.write(out, parameters, StepDirectory.MODEL)));
            files.add(write(directory, StepDirectory.OPTIMIZER,
                    out -> TensorFile.write(out, optimizerState, StepDirectory.OPTIMIZER)));
            byte[] stateJson = CheckpointJson.state(state);
            files.add(write(directory, StepDirectory.STATE, out -> out.write(stateJson)));
        } else {
            byte[] shardJson = CheckpointJson.rankShard(rank, worldSize, state, digest);
            files.add(write(directory, StepDirectory.rankFile(rank), out -> out.write(shardJson)));
        }
        // The new names must be durable before the manifest that vouches for them.
        storage.syncDirectory(directory);
        return new ShardReceipt(state.step(), rank, worldSize, digest, state.specDigest(), files, place);
    }

    /** The three files of a place: its tensors and how they are split. */
    private List<Manifest.FileEntry> writePlace(Path directory, ShardLayout layout, Map<String, NDArray> parameters,
                                                Map<String, NDArray> optimizerState) throws IOException {
        int t = layout.place().tensorRank();
        int p = layout.place().pipelineStage();
        Map<String, TensorSplit> parameterSplits = new TreeMap<>();
        parameters.forEach((name, array) -> {
            TensorSplit split = layout.split(name);
            // Refused now, not when a resume tries to join the pieces.
            if (!split.replicated() && (split.dim() >= array.getShape().dimension()
                    || array.getShape().get(split.dim()) % split.chunks() != 0)) {
                throw new IllegalArgumentException("parameter '" + name + "' of shape " + array.getShape()
                        + " cannot be a piece split " + split + ": it needs a dimension " + split.dim()
                        + " that holds " + split.chunks() + " equal chunks");
            }
            parameterSplits.put(name, split);
        });
        Map<String, TensorSplit> stateSplits = new TreeMap<>();
        optimizerState.forEach((key, array) -> stateSplits.put(key, ShardReader.stateSplit(key, array.getShape(),
                parameterSplits, name -> parameters.get(name).getShape())));
        byte[] layoutJson = CheckpointJson.layout(layout.place(), parameterSplits, stateSplits);
        return List.of(
                write(directory, StepDirectory.model(t, p), out -> TensorFile.write(out, parameters, StepDirectory.model(t, p))),
                write(directory, StepDirectory.optimizer(t, p), out -> TensorFile.write(out, optimizerState,
                        StepDirectory.optimizer(t, p))),
                write(directory, StepDirectory.layout(t, p), out -> out.write(layoutJson)));
    }

    /**
     * Commits the checkpoint whose shards {@code receipts} describe, one per rank {@code 0..N-1}: checks
     * that they agree (step, world size, spec digest and parameters digest) and that every file is
     * still there with its reported size (the small JSON files also with their SHA-256), then writes
     * {@code manifest.json} last and exclusively, moves {@code latest} and applies retention, as
     * {@link #save} does. Called by whoever collects the receipts (the job's coordinator).
     *
     * @throws ReplicasDivergedException if two ranks report different parameters digests
     * @throws CheckpointException if a reported file is missing or has another size or hash
     * @throws FileAlreadyExistsException if a complete checkpoint of the step exists
     * @throws IllegalArgumentException if the receipts are not one per rank of one step, or the store
     *     holds a later checkpoint
     */
    public CheckpointInfo commit(List<ShardReceipt> receipts) throws IOException {
        if (receipts == null || receipts.isEmpty()) {
            throw new IllegalArgumentException("commit needs one ShardReceipt per rank, got none");
        }
        long step = receipts.get(0).step();
        Path directory = root.resolve(StepDirectory.name(step));
        ShardCommit shards = ShardCommit.of(directory, receipts);
        checkNewStep(directory, step);
        shards.checkFiles(storage);

        boolean mesh = shards.tensor() * shards.pipeline() > 1;
        Manifest manifest = new Manifest(mesh ? MESH_FORMAT_VERSION : FORMAT_VERSION, step, Instant.now(),
                shards.specDigest(), shards.parametersDigest(), shards.worldSize(), shards.tensor(), shards.pipeline(),
                shards.places(), shards.files());
        byte[] manifestJson = CheckpointJson.manifest(manifest);
        storage.createExclusive(directory.resolve(StepDirectory.MANIFEST), manifestJson);
        storage.writeAtomically(root.resolve(LATEST_FILE),
                (directory.getFileName() + "\n").getBytes(StandardCharsets.UTF_8));
        CheckpointInfo info = info(directory, manifest, manifestJson.length);
        LOG.info("saved checkpoint {} ({} bytes{}{})", storage.describe(directory), info.bytes(),
                shards.worldSize() > 1 ? ", " + shards.worldSize() + " ranks" : "",
                mesh ? ", tensor=" + shards.tensor() + " × pipeline=" + shards.pipeline() : "");
        removeOld(step);
        return info;
    }

    /** A complete checkpoint is never overwritten, and an older step would be hidden by the newest. */
    private void checkNewStep(Path directory, long step) throws IOException {
        Optional<CheckpointInfo> newest = latest();
        if (newest.isPresent() && newest.get().step() == step) {
            throw new FileAlreadyExistsException(directory.toString(), null, "a checkpoint of step "
                    + step + " exists already; delete it or save under a later step");
        }
        if (newest.isPresent() && newest.get().step() > step) {
            throw new IllegalArgumentException("cannot save step " + step + ": " + root + " already holds"
                    + " the later checkpoint " + newest.get().directory().getFileName() + ", and latest() and"
                    + " retention go by step, so the new one would be hidden or deleted. Delete the later"
                    + " checkpoints first or save into another directory");
        }
    }

    /** The newest checkpoint with a valid manifest (a directory without one does not exist). */
    public Optional<CheckpointInfo> latest() throws IOException {
        List<CheckpointInfo> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /**
     * Reads one checkpoint into {@code manager}, re-checking every file's size and SHA-256 first,
     * and the parameters' digest after decoding.
     *
     * @throws CheckpointCorruptException naming the file on any mismatch
     * @throws UnsupportedCheckpointFormatException if a newer format wrote it
     */
    public LoadedCheckpoint load(CheckpointInfo info, NDManager manager) throws IOException {
        ShardReader reader = ShardReader.open(storage, info);
        if (reader.mesh()) {
            throw new IllegalArgumentException("checkpoint " + storage.describe(info.directory()) + " was written by"
                    + " " + reader.describeMesh() + " and holds the model in parts: read it with"
                    + " loadShard(info, layout, manager) or loadGathered(info, manager)");
        }
        return reader.whole(manager);
    }

    /**
     * The parameters and optimizer state of the place {@code layout} describes, from any checkpoint of this
     * store. When the checkpoint was written by the same tensor and pipeline sizes and splits, only the
     * place's own files are read; otherwise the tensors are resharded: each is gathered whole (a name held
     * by several stages, such as a tied embedding, from the first stage holding it) and cut for
     * {@code layout}. The place gets every parameter when it is the only stage, its stage's parameters
     * when the checkpoint has as many stages, and otherwise the names {@code layout.splits()} lists.
     * Places do not depend on the data-parallel size, so any number of replicas may resume.
     *
     * @throws CheckpointCorruptException naming the file on any mismatch of size, SHA-256 or digest
     * @throws IllegalArgumentException if the layout asks for a parameter the checkpoint lacks, a split
     *     that does not divide a tensor, or resharding onto another number of stages and names no parameter
     */
    public LoadedCheckpoint loadShard(CheckpointInfo info, ShardLayout layout, NDManager manager) throws IOException {
        if (layout == null) {
            throw new IllegalArgumentException("loadShard needs a ShardLayout (ShardLayout.whole(rank) for a whole"
                    + " model), got null");
        }
        return ShardReader.open(storage, info).shard(layout, manager);
    }

    /**
     * The full model of any checkpoint of this store: every parameter and optimizer tensor unsplit and
     * from all stages (for a whole-model checkpoint, the same as {@link #load}).
     *
     * @throws CheckpointCorruptException naming the file on any mismatch of size, SHA-256 or digest
     */
    public LoadedCheckpoint loadGathered(CheckpointInfo info, NDManager manager) throws IOException {
        return ShardReader.open(storage, info).gathered(manager);
    }

    /**
     * The complete checkpoints, oldest first: a readable manifest and every file present with its size.
     *
     * @throws UnsupportedCheckpointFormatException if a newer Spindle wrote one: resuming from an older
     *     checkpoint instead would silently lose training
     */
    public List<CheckpointInfo> list() throws IOException {
        List<CheckpointInfo> valid = new ArrayList<>();
        for (Path directory : stepDirectories()) {
            Manifest manifest;
            try {
                manifest = StepDirectory.readManifest(storage, directory);
                List<StepDirectory.Problem> problems = StepDirectory.checkFiles(storage, directory, manifest, false);
                if (problems.isEmpty()) {
                    valid.add(info(directory, manifest, storage.size(directory.resolve(StepDirectory.MANIFEST))));
                } else if (!storage.exists(directory.resolve(StepDirectory.MANIFEST))) {
                    // Retention deletes the manifest first: this one was being removed while we read it.
                    LOG.debug("{} was deleted while listing", storage.describe(directory));
                } else {
                    LOG.warn("skipping damaged checkpoint {}: {}", storage.describe(directory), problems);
                }
            } catch (CheckpointCorruptException incomplete) {
                LOG.debug("not a checkpoint: {}", incomplete.getMessage());
            } catch (NoSuchFileException | FileNotFoundException deleted) {
                // With data-parallel ranks, the coordinator's retention may delete old checkpoints while
                // a rank lists the store before writing its shard.
                LOG.debug("{} was deleted while listing: {}", storage.describe(directory), deleted.toString());
            }
        }
        return valid;
    }

    /** Every step directory, valid or not, oldest first, with its problems (SHA-256 recomputed). */
    public List<VerifyResult> verify() throws IOException {
        List<VerifyResult> results = new ArrayList<>();
        for (Path directory : stepDirectories()) {
            long step = StepDirectory.step(directory).orElseThrow();
            List<String> problems = new ArrayList<>();
            try {
                Manifest manifest = StepDirectory.readManifest(storage, directory);
                StepDirectory.checkFiles(storage, directory, manifest, true)
                        .forEach(problem -> problems.add(problem.toString()));
            } catch (CheckpointException invalid) {
                problems.add(invalid.getMessage());
            }
            results.add(new VerifyResult(step, directory, problems.isEmpty(), problems));
        }
        return results;
    }

    /** The step directories under the root, in step order. */
    private List<Path> stepDirectories() throws IOException {
        List<Path> directories = new ArrayList<>();
        for (Path entry : storage.list(root)) {
            if (storage.isDirectory(entry) && StepDirectory.step(entry).isPresent()) {
                directories.add(entry);
            }
        }
        directories.sort((a, b) -> Long.compare(StepDirectory.step(a).orElseThrow(),
                StepDirectory.step(b).orElseThrow()));
        return directories;
    }

    /** Retention: the newest {@code keep} checkpoints stay, and partial directories older than {@code newest} go. */
    private void removeOld(long newest) throws IOException {
        List<CheckpointInfo> valid = list();
        for (CheckpointInfo old : valid.subList(0, Math.max(0, valid.size() - keep))) {
            LOG.info("retention (keep {}): deleting checkpoint {}", keep, storage.describe(old.directory()));
            // The manifest goes first, so the checkpoint stops existing at once for concurrent readers.
            storage.deleteRecursively(old.directory().resolve(StepDirectory.MANIFEST));
            storage.deleteRecursively(old.directory());
        }
        List<Path> kept = valid.stream().map(CheckpointInfo::directory).toList();
        for (Path directory : stepDirectories()) {
            OptionalLong step = StepDirectory.step(directory);
            if (step.orElseThrow() < newest && !kept.contains(directory)) {
                LOG.info("deleting partial checkpoint {} older than step {}", storage.describe(directory), newest);
                storage.deleteRecursively(directory);
            }
        }
        storage.syncDirectory(root);
    }

    static CheckpointInfo info(Path directory, Manifest manifest, long manifestBytes) {
        return new CheckpointInfo(manifest.step(), directory, manifest.parametersDigest(), manifest.createdAt(),
                manifest.dataBytes() + manifestBytes);
    }

    /** Writes one durable file, hashing the bytes on their way out. */
    private Manifest.FileEntry write(Path directory, String name, Body body) throws IOException {
        MessageDigest sha256 = ParametersDigest.newSha256();
        Path file = directory.resolve(name);
        try (OutputStream out = new DigestOutputStream(storage.create(file), sha256)) {
            body.writeTo(out);
        }
        return new Manifest.FileEntry(name, storage.size(file), HexFormat.of().formatHex(sha256.digest()));
    }

    @FunctionalInterface
    private interface Body {
        void writeTo(OutputStream out) throws IOException;
    }
}

package dev.spindle.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks {@link CheckpointStore#commit} makes before it writes a manifest for the shards of
 * several ranks: the receipts must be one per rank of one step, agree on the spec and the parameters,
 * and the files they report must still be what the ranks wrote.
 */
final class ShardCommit {

    private final Path directory;
    private final ShardReceipt[] byRank;
    private final ShardReceipt[][] firstOfPlace;

    private ShardCommit(Path directory, ShardReceipt[] byRank, ShardReceipt[][] firstOfPlace) {
        this.directory = directory;
        this.byRank = byRank;
        this.firstOfPlace = firstOfPlace;
    }

    /**
     * The receipts in rank order, checked for agreement.
     *
     * @throws IllegalArgumentException if they are not one per rank {@code 0..N-1} of one step, world
     *     size and spec
     * @throws ReplicasDivergedException if two ranks' parameters digests differ
     */
    static ShardCommit of(Path directory, List<ShardReceipt> receipts) throws ReplicasDivergedException {
        ShardReceipt first = receipts.get(0);
        long step = first.step();
        int worldSize = first.worldSize();
        ShardReceipt[] byRank = new ShardReceipt[worldSize];
        for (ShardReceipt receipt : receipts) {
            if (receipt.step() != step || receipt.worldSize() != worldSize) {
                throw new IllegalArgumentException("commit needs receipts of one step and world size; rank "
                        + first.rank() + " reported step " + step + " of " + worldSize + " ranks, rank "
                        + receipt.rank() + " step " + receipt.step() + " of " + receipt.worldSize());
            }
            if (!receipt.specDigest().equals(first.specDigest())) {
                throw new IllegalArgumentException("commit of step " + step + ": rank " + first.rank()
                        + " ran spec " + first.specDigest() + " but rank " + receipt.rank() + " ran "
                        + receipt.specDigest() + "; every rank must run the same job spec");
            }
            if (byRank[receipt.rank()] != null) {
                throw new IllegalArgumentException("commit of step " + step + ": rank " + receipt.rank()
                        + " reported twice; pass one receipt per rank");
            }
            byRank[receipt.rank()] = receipt;
        }
        List<Integer> missing = new ArrayList<>();
        for (int rank = 0; rank < worldSize; rank++) {
            if (byRank[rank] == null) {
                missing.add(rank);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("cannot commit step " + step + ": no shard from rank(s) " + missing
                    + " of " + worldSize + "; wait for every rank's receipt");
        }
        ShardPlace mesh = byRank[0].place();
        if (mesh.tensorRank() != 0 || mesh.pipelineStage() != 0) {
            throw new IllegalArgumentException("commit of step " + step + ": rank 0 reported place " + mesh
                    + ", but rank 0 is tensor rank 0 of stage 0 (it writes state.json)");
        }
        // Replicas of one place must agree; different places hold different tensors.
        ShardReceipt[][] firstOfPlace = new ShardReceipt[mesh.pipelineSize()][mesh.tensorSize()];
        for (ShardReceipt receipt : byRank) {
            ShardPlace place = receipt.place();
            if (place.tensorSize() != mesh.tensorSize() || place.pipelineSize() != mesh.pipelineSize()) {
                throw new IllegalArgumentException("commit of step " + step + ": rank 0 reported "
                        + mesh.describeMesh() + " but rank " + receipt.rank() + " " + place.describeMesh()
                        + "; every rank must run the same parallelism");
            }
            ShardReceipt other = firstOfPlace[place.pipelineStage()][place.tensorRank()];
            if (other == null) {
                firstOfPlace[place.pipelineStage()][place.tensorRank()] = receipt;
            } else if (!receipt.parametersDigest().equals(other.parametersDigest())) {
                throw new ReplicasDivergedException(directory, "replicas diverged at step " + step + ": rank "
                        + other.rank() + " has " + other.parametersDigest() + ", rank " + receipt.rank() + " has "
                        + receipt.parametersDigest() + (mesh.unsplit() ? "" : " (both tensor rank "
                        + place.tensorRank() + " of stage " + place.pipelineStage() + ")") + "; not committing");
            }
        }
        List<String> missingPlaces = new ArrayList<>();
        for (int p = 0; p < mesh.pipelineSize(); p++) {
            for (int t = 0; t < mesh.tensorSize(); t++) {
                if (firstOfPlace[p][t] == null) {
                    missingPlaces.add("t" + t + "-p" + p);
                }
            }
        }
        if (!missingPlaces.isEmpty()) {
            throw new IllegalArgumentException("cannot commit step " + step + ": no rank holds place(s) "
                    + missingPlaces + " of " + mesh.describeMesh() + " (" + worldSize + " ranks); the world must"
                    + " cover every tensor rank of every stage");
        }
        return new ShardCommit(directory, byRank, firstOfPlace);
    }

    /** The tensor-parallel size of the shards. */
    int tensor() {
        return byRank[0].place().tensorSize();
    }

    /** The pipeline-parallel size of the shards. */
    int pipeline() {
        return byRank[0].place().pipelineSize();
    }

    /** Each place's digest, in manifest order (empty for a whole-model checkpoint). */
    List<Manifest.PlaceEntry> places() {
        List<Manifest.PlaceEntry> places = new ArrayList<>();
        if (tensor() * pipeline() > 1) {
            for (int p = 0; p < pipeline(); p++) {
                for (int t = 0; t < tensor(); t++) {
                    places.add(new Manifest.PlaceEntry(t, p, firstOfPlace[p][t].parametersDigest()));
                }
            }
        }
        return places;
    }

    int worldSize() {
        return byRank.length;
    }

    String specDigest() {
        return byRank[0].specDigest();
    }

    /** Rank 0's digest, or in a mesh checkpoint the digest of every place's ({@link Manifest#placesDigest}). */
    String parametersDigest() {
        return tensor() * pipeline() > 1 ? Manifest.placesDigest(places()) : byRank[0].parametersDigest();
    }

    /** Every rank's files, in rank order: what the manifest lists. */
    List<Manifest.FileEntry> files() {
        List<Manifest.FileEntry> files = new ArrayList<>();
        for (ShardReceipt receipt : byRank) {
            files.addAll(receipt.files());
        }
        return files;
    }

    /**
     * The manifest must only vouch for what is there: each rank's own files, each present with its
     * reported size, and the small JSON files with their hash too (cheap, and it catches a shard
     * overwritten by a stale writer of an earlier attempt at this step).
     *
     * @throws IllegalArgumentException if a receipt lacks the files its rank must write, or two list one file
     * @throws CheckpointCorruptException naming the first file that is missing or differs
     */
    void checkFiles(CheckpointStorage storage) throws IOException {
        List<String> listed = new ArrayList<>();
        for (ShardReceipt receipt : byRank) {
            List<String> own = receipt.files().stream().map(Manifest.FileEntry::path).toList();
            List<String> required = required(receipt);
            if (!own.containsAll(required)) {
                throw new IllegalArgumentException("rank " + receipt.rank() + "'s receipt lists " + own
                        + " but rank " + receipt.rank() + " must write " + required);
            }
            listed.addAll(own);
        }
        if (tensor() * pipeline() > 1) {
            for (int p = 0; p < pipeline(); p++) {
                for (int t = 0; t < tensor(); t++) {
                    List<String> placeFiles = StepDirectory.placeFiles(byRank[0].place().at(t, p));
                    if (!listed.containsAll(placeFiles)) {
                        throw new IllegalArgumentException("cannot commit step " + byRank[0].step() + ": no rank"
                                + " wrote the tensors of place t" + t + "-p" + p + " " + placeFiles + " (its replica 0"
                                + " writes them); the receipts list " + listed);
                    }
                }
            }
        }
        if (listed.stream().distinct().count() != listed.size()) {
            throw new IllegalArgumentException("receipts of step " + byRank[0].step() + " list a file twice: "
                    + listed);
        }
        for (Manifest.FileEntry entry : files()) {
            Path file = directory.resolve(entry.path());
            if (!storage.exists(file)) {
                throw new CheckpointCorruptException(file, "is missing, though a rank reported writing it ("
                        + entry.size() + " bytes); not committing");
            }
            long size = storage.size(file);
            if (size != entry.size()) {
                throw new CheckpointCorruptException(file, "is " + size + " bytes but the rank reported "
                        + entry.size() + "; not committing");
            }
            if (entry.path().endsWith(".json") && !StepDirectory.sha256(storage, file).equals(entry.sha256())) {
                throw new CheckpointCorruptException(file, "differs from what the rank reported (SHA-256);"
                        + " something else wrote it since; not committing");
            }
        }
    }

    /**
     * What a receipt must list: with the whole model, rank 0 the tensors and state, the others a rank file; in a
     * mesh, a replica 0 its place's three files, any other replica a rank file, and rank 0 also state.json.
     */
    private static List<String> required(ShardReceipt receipt) {
        List<String> own = receipt.files().stream().map(Manifest.FileEntry::path).toList();
        if (receipt.place().unsplit()) {
            return receipt.rank() == 0 ? List.of(StepDirectory.MODEL, StepDirectory.OPTIMIZER, StepDirectory.STATE)
                    : List.of(StepDirectory.rankFile(receipt.rank()));
        }
        List<String> required = new ArrayList<>();
        List<String> placeFiles = StepDirectory.placeFiles(receipt.place());
        if (receipt.rank() == 0 || own.contains(placeFiles.get(0))) {
            required.addAll(placeFiles);
        } else {
            required.add(StepDirectory.rankFile(receipt.rank()));
        }
        if (receipt.rank() == 0) {
            required.add(StepDirectory.STATE);
        }
        return required;
    }
}

package dev.spindle.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The layout of one step directory and the checks that decide whether it is a checkpoint.
 * Listing checks the manifest and every file's presence and size (cheap: no data is read);
 * loading and verifying also recompute every file's SHA-256.
 */
final class StepDirectory {

    static final String MANIFEST = "manifest.json";
    static final String MODEL = "model.safetensors";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String STATE = "state.json";

    /** The files format v1 requires besides the manifest. */
    static final Set<String> REQUIRED = Set.of(MODEL, OPTIMIZER, STATE);

    private static final Pattern NAME = Pattern.compile("step-(\\d{8,18})");

    private StepDirectory() {}

    static String name(long step) {
        return String.format("step-%08d", step);
    }

    /** The file rank {@code rank} (>= 1) of a data-parallel checkpoint writes: {@code rank-00002.json}. */
    static String rankFile(int rank) {
        return String.format("rank-%05d.json", rank);
    }

    /** The parameters of place (t, p) of a mesh checkpoint: {@code model-t1-p0.safetensors}. */
    static String model(int tensorRank, int pipelineStage) {
        return "model-" + place(tensorRank, pipelineStage) + ".safetensors";
    }

    /** The optimizer state of place (t, p) of a mesh checkpoint. */
    static String optimizer(int tensorRank, int pipelineStage) {
        return "optimizer-" + place(tensorRank, pipelineStage) + ".safetensors";
    }

    /** The splits of place (t, p) of a mesh checkpoint. */
    static String layout(int tensorRank, int pipelineStage) {
        return "layout-" + place(tensorRank, pipelineStage) + ".json";
    }

    /** The three files the replica 0 of {@code place} writes. */
    static List<String> placeFiles(ShardPlace place) {
        return List.of(model(place.tensorRank(), place.pipelineStage()),
                optimizer(place.tensorRank(), place.pipelineStage()), layout(place.tensorRank(), place.pipelineStage()));
    }

    private static String place(int tensorRank, int pipelineStage) {
        return "t" + tensorRank + "-p" + pipelineStage;
    }

    /** The step a directory name stands for, or empty if it is not a step directory's name. */
    static OptionalLong step(Path directory) {
        Matcher matcher = NAME.matcher(directory.getFileName().toString());
        return matcher.matches() ? OptionalLong.of(Long.parseLong(matcher.group(1))) : OptionalLong.empty();
    }

    /**
     * The manifest of {@code directory}, consistent with the directory's name and listing every
     * required file.
     *
     * @throws CheckpointCorruptException if it is missing or wrong (the save did not finish, or damage)
     * @throws UnsupportedCheckpointFormatException if a newer format wrote it
     */
    static Manifest readManifest(CheckpointStorage storage, Path directory) throws IOException {
        Path file = directory.resolve(MANIFEST);
        if (!storage.exists(file)) {
            throw new CheckpointCorruptException(file, "is missing: the save did not finish, so this is not a"
                    + " checkpoint");
        }
        Manifest manifest = CheckpointJson.readManifest(file, storage.readAllBytes(file));
        OptionalLong named = step(directory);
        if (named.isPresent() && named.getAsLong() != manifest.step()) {
            throw new CheckpointCorruptException(file, "says step " + manifest.step() + " but its directory is "
                    + directory.getFileName());
        }
        Set<String> listed = new HashSet<>();
        manifest.files().forEach(entry -> listed.add(entry.path()));
        if (manifest.mesh()) {
            List<String> required = new ArrayList<>(List.of(STATE));
            for (Manifest.PlaceEntry place : manifest.places()) {
                required.addAll(placeFiles(new ShardPlace(manifest.tensor(), place.tensorRank(), manifest.pipeline(),
                        place.pipelineStage())));
            }
            if (!listed.containsAll(required)) {
                List<String> missing = new ArrayList<>(required);
                missing.removeAll(listed);
                throw new CheckpointCorruptException(file, "is a tensor=" + manifest.tensor() + " × pipeline="
                        + manifest.pipeline() + " checkpoint but does not list " + missing + "; it lists " + listed);
            }
            return manifest;
        }
        for (String required : REQUIRED) {
            if (!listed.contains(required)) {
                throw new CheckpointCorruptException(file, "does not list " + required + ", which format v"
                        + manifest.formatVersion() + " requires; it lists " + listed);
            }
        }
        for (int rank = 1; rank < manifest.ranks(); rank++) {
            if (!listed.contains(rankFile(rank))) {
                throw new CheckpointCorruptException(file, "says ranks " + manifest.ranks() + " but does not list "
                        + rankFile(rank) + "; it lists " + listed);
            }
        }
        return manifest;
    }

    /** A defect of one file; {@code file} is what the message is about. */
    record Problem(Path file, String message) {
        @Override
        public String toString() {
            return file + ": " + message;
        }
    }

    /** Every listed file that is missing or differs in size (and with {@code hashes}, in SHA-256). */
    static List<Problem> checkFiles(CheckpointStorage storage, Path directory, Manifest manifest, boolean hashes)
            throws IOException {
        List<Problem> problems = new ArrayList<>();
        for (Manifest.FileEntry entry : manifest.files()) {
            Path file = directory.resolve(entry.path());
            if (!storage.exists(file)) {
                problems.add(new Problem(file, "is missing; manifest.json lists it with " + entry.size() + " bytes"));
                continue;
            }
            long size = storage.size(file);
            if (size != entry.size()) {
                problems.add(new Problem(file, "is " + size + " bytes; manifest.json says " + entry.size()));
            } else if (hashes) {
                String actual = sha256(storage, file);
                if (!actual.equals(entry.sha256())) {
                    problems.add(new Problem(file, "has SHA-256 " + actual + "; manifest.json says "
                            + entry.sha256() + " (the file is corrupted)"));
                }
            }
        }
        return problems;
    }

    static String sha256(CheckpointStorage storage, Path file) throws IOException {
        MessageDigest digest = ParametersDigest.newSha256();
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = storage.open(file)) {
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}

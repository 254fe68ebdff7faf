package dev.spindle.checkpoint;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * The contents of a step directory's {@code manifest.json}: the commit record of a checkpoint.
 * Public for {@link Manifest.FileEntry}, which travels in a {@link ShardReceipt}; the store itself
 * writes and reads manifests.
 *
 * <pre>{@code
 * Manifest.FileEntry entry = new Manifest.FileEntry("rank-00001.json", 212, sha256Hex);
 * }</pre>
 *
 * @param parametersDigest {@link ParametersDigest} of the parameters; in a mesh checkpoint the digest of the
 *     places' digests ({@link #placesDigest})
 * @param ranks how many ranks wrote the checkpoint ({@code 1} when the field is absent)
 * @param tensor the tensor-parallel size that wrote it ({@code 1} when absent)
 * @param pipeline the pipeline-parallel size that wrote it ({@code 1} when absent)
 * @param places in a mesh checkpoint ({@code tensor · pipeline > 1}) each place's parameters digest, stage by
 *     stage and tensor rank by tensor rank; empty otherwise
 * @param files every other file of the step directory, with the size and SHA-256 it must have
 */
public record Manifest(int formatVersion, long step, Instant createdAt, String specDigest, String parametersDigest,
                       int ranks, int tensor, int pipeline, List<PlaceEntry> places, List<FileEntry> files) {

    /** A checkpoint of the whole model (format v1). */
    public Manifest(int formatVersion, long step, Instant createdAt, String specDigest, String parametersDigest,
                    int ranks, List<FileEntry> files) {
        this(formatVersion, step, createdAt, specDigest, parametersDigest, ranks, 1, 1, List.of(), files);
    }

    public Manifest {
        if (step < 0) {
            throw new IllegalArgumentException("manifest step must be >= 0, got " + step);
        }
        if (createdAt == null || specDigest == null || parametersDigest == null) {
            throw new IllegalArgumentException("manifest needs createdAt, specDigest and parametersDigest");
        }
        if (ranks < 1) {
            throw new IllegalArgumentException("manifest ranks must be >= 1, got " + ranks);
        }
        if (tensor < 1 || pipeline < 1) {
            throw new IllegalArgumentException("manifest tensor and pipeline must be >= 1, got tensor " + tensor
                    + ", pipeline " + pipeline);
        }
        places = List.copyOf(places);
        int placeCount = tensor * pipeline > 1 ? tensor * pipeline : 0; // fields are not assigned yet: no mesh()
        if (places.size() != placeCount) {
            throw new IllegalArgumentException("manifest of tensor=" + tensor + " × pipeline=" + pipeline + " must list "
                    + placeCount + " places, got " + places.size());
        }
        for (int i = 0; i < places.size(); i++) {
            PlaceEntry place = places.get(i);
            if (place.pipelineStage() != i / tensor || place.tensorRank() != i % tensor) {
                throw new IllegalArgumentException("manifest places must be in order stage by stage, tensor rank by"
                        + " tensor rank; entry " + i + " is tensorRank " + place.tensorRank() + ", pipelineStage "
                        + place.pipelineStage());
            }
        }
        files = List.copyOf(files);
    }

    /** True for a checkpoint split by tensor or pipeline parallelism. */
    boolean mesh() {
        return tensor * pipeline > 1;
    }

    /** The place entry of tensor rank {@code t}, stage {@code p}. */
    PlaceEntry place(int t, int p) {
        return places.get(p * tensor + t);
    }

    /**
     * The digest a mesh manifest gives as {@code parametersDigest}: SHA-256 (lowercase hex) of one line
     * {@code t<t>-p<p> <digest>\n} per place, in manifest order.
     */
    static String placesDigest(List<PlaceEntry> places) {
        MessageDigest sha256 = ParametersDigest.newSha256();
        for (PlaceEntry place : places) {
            sha256.update(("t" + place.tensorRank() + "-p" + place.pipelineStage() + " " + place.parametersDigest()
                    + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    /**
     * One place of a mesh checkpoint and the digest of the parameters its replicas hold.
     *
     * @param parametersDigest {@link ParametersDigest} of the place's own (split) parameters
     */
    public record PlaceEntry(int tensorRank, int pipelineStage, String parametersDigest) {

        public PlaceEntry {
            if (tensorRank < 0 || pipelineStage < 0) {
                throw new IllegalArgumentException("place tensorRank and pipelineStage must be >= 0, got "
                        + tensorRank + ", " + pipelineStage);
            }
            if (parametersDigest == null || !parametersDigest.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("place parametersDigest must be 64 lowercase hex digits, got "
                        + parametersDigest);
            }
        }
    }

    /** The sum of the listed files' sizes. */
    long dataBytes() {
        long total = 0;
        for (FileEntry entry : files) {
            total += entry.size();
        }
        return total;
    }

    /**
     * One file of a checkpoint.
     *
     * @param path relative to the step directory, '/'-separated, never leaving it
     */
    public record FileEntry(String path, long size, String sha256) {

        public FileEntry {
            if (path == null || path.isEmpty() || path.startsWith("/") || path.contains("\\")
                    || List.of(path.split("/")).contains("..")) {
                throw new IllegalArgumentException(
                        "file path must be relative to the step directory and stay inside it, got '" + path + "'");
            }
            if (size < 0) {
                throw new IllegalArgumentException("size of '" + path + "' must be >= 0, got " + size);
            }
            if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException(
                        "sha256 of '" + path + "' must be 64 lowercase hex digits, got " + sha256);
            }
        }
    }
}

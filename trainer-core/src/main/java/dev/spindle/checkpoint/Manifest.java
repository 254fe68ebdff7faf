package dev.spindle.checkpoint;

import java.time.Instant;
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
 * @param ranks how many data-parallel ranks wrote the checkpoint ({@code 1} when the field is absent)
 * @param files every other file of the step directory, with the size and SHA-256 it must have
 */
public record Manifest(int formatVersion, long step, Instant createdAt, String specDigest, String parametersDigest,
                       int ranks, List<FileEntry> files) {

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
        files = List.copyOf(files);
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

package dev.spindle.checkpoint;

import java.time.Instant;
import java.util.List;

/**
 * The contents of a step directory's {@code manifest.json}: the commit record of a checkpoint.
 *
 * @param files every other file of the step directory, with the size and SHA-256 it must have
 */
record Manifest(int formatVersion, long step, Instant createdAt, String specDigest, String parametersDigest,
                List<FileEntry> files) {

    Manifest {
        if (step < 0) {
            throw new IllegalArgumentException("manifest step must be >= 0, got " + step);
        }
        if (createdAt == null || specDigest == null || parametersDigest == null) {
            throw new IllegalArgumentException("manifest needs createdAt, specDigest and parametersDigest");
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
    record FileEntry(String path, long size, String sha256) {

        FileEntry {
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

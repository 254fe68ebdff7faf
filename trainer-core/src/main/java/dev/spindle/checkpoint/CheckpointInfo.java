package dev.spindle.checkpoint;

import java.nio.file.Path;
import java.time.Instant;

/**
 * One complete checkpoint as its manifest describes it.
 *
 * <pre>{@code
 * Optional<CheckpointInfo> newest = store.latest();
 * newest.ifPresent(info -> log.info("resuming from step {} ({} bytes)", info.step(), info.bytes()));
 * }</pre>
 *
 * @param step the training step the checkpoint was taken after
 * @param directory the step directory ({@code step-00000100})
 * @param parametersDigest {@link ParametersDigest} of the saved parameters
 * @param createdAt when the manifest was written
 * @param bytes the size of every file of the checkpoint, manifest included
 */
public record CheckpointInfo(long step, Path directory, String parametersDigest, Instant createdAt, long bytes) {

    public CheckpointInfo {
        if (step < 0) {
            throw new IllegalArgumentException("CheckpointInfo.step must be >= 0, got " + step);
        }
        if (directory == null) {
            throw new IllegalArgumentException("CheckpointInfo.directory is null");
        }
        if (parametersDigest == null || !parametersDigest.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("CheckpointInfo.parametersDigest must be 64 lowercase hex digits"
                    + " (SHA-256), got " + parametersDigest);
        }
        if (createdAt == null) {
            throw new IllegalArgumentException("CheckpointInfo.createdAt is null");
        }
        if (bytes < 0) {
            throw new IllegalArgumentException("CheckpointInfo.bytes must be >= 0, got " + bytes);
        }
    }
}

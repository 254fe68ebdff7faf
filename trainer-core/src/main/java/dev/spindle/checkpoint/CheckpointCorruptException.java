package dev.spindle.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint file is missing, has the wrong size or content, or cannot be parsed.
 *
 * <pre>{@code
 * try {
 *     store.load(info, manager);
 * } catch (CheckpointCorruptException e) {
 *     log.warn("{} is damaged, trying an older checkpoint", e.file());
 * }
 * }</pre>
 */
public final class CheckpointCorruptException extends CheckpointException {

    private static final long serialVersionUID = 1L;

    public CheckpointCorruptException(Path file, String message) {
        super(file, message, null);
    }

    public CheckpointCorruptException(Path file, String message, Throwable cause) {
        super(file, message, cause);
    }
}

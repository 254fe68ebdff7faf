package dev.spindle.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint cannot be used; {@link #file()} names the file at fault.
 *
 * <pre>{@code
 * try {
 *     store.load(info, manager);
 * } catch (CheckpointException e) {
 *     log.warn("cannot restore from {}: {}", e.file(), e.getMessage());
 * }
 * }</pre>
 */
public class CheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public CheckpointException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
        this.file = file;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }
}

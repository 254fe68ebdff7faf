package dev.spindle.launcher;

/**
 * A run that had started training and then failed (storage, the native library, a bug): unlike a
 * {@link JobException}, something was already done, and the message says where to resume from.
 * The CLI exits with 1 for it, not 2.
 */
public final class RunFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public RunFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}

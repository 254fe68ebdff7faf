package dev.spindle.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint written in a format version this Spindle cannot read (a newer release wrote it).
 *
 * <pre>{@code
 * catch (UnsupportedCheckpointFormatException e) { cli.fail(e.getMessage()); } // says what to do
 * }</pre>
 */
public final class UnsupportedCheckpointFormatException extends CheckpointException {

    private static final long serialVersionUID = 1L;

    public UnsupportedCheckpointFormatException(Path file, long found) {
        this(file, found, CheckpointStore.MESH_FORMAT_VERSION);
    }

    /** {@code newest}: the newest version of this kind of file that this Spindle reads. */
    public UnsupportedCheckpointFormatException(Path file, long found, int newest) {
        super(file, "formatVersion " + found + " is not supported; this Spindle reads formatVersion "
                + (newest == CheckpointStore.FORMAT_VERSION ? String.valueOf(newest)
                        : CheckpointStore.FORMAT_VERSION + " to " + newest)
                + " here: use the Spindle release that wrote it or a newer one", null);
    }
}

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
        super(file, "formatVersion " + found + " is not supported; this Spindle reads formatVersion "
                + CheckpointStore.FORMAT_VERSION + " to " + CheckpointStore.MESH_FORMAT_VERSION + ": use the Spindle release that wrote it or a newer one",
                null);
    }
}

package dev.spindle.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.List;

/**
 * Every file operation of the {@link CheckpointStore}, and nothing else: the seam where remote storage
 * (a Hadoop {@code FileSystem} on ABFS, in {@code data-loaders}) replaces the local file system without
 * trainer-core knowing Hadoop. Paths are absolute and {@code /}-separated; a remote implementation maps
 * them onto its own root (for example the path part of an {@code abfss://} URI).
 *
 * <p>The store relies on exactly these guarantees, which hold on a POSIX disk and on object stores
 * without atomic rename alike:
 * <ul>
 *   <li>a closed {@link #create} stream is durable and complete;</li>
 *   <li>{@link #createExclusive} makes a new file that readers see whole, or absent, or (object stores
 *       while the upload commits) empty, never a prefix; it fails if the file exists;</li>
 *   <li>{@link #list} sees every file whose stream was closed before it was called.</li>
 * </ul>
 * The manifest is the one file written with {@link #createExclusive}, last: a step directory without a
 * parseable manifest is not a checkpoint, so no rename is needed for the commit.
 *
 * <pre>{@code
 * CheckpointStorage local = new LocalCheckpointStorage();
 * CheckpointStore store = CheckpointStore.open(local, Path.of("/ckpt/run-7"), 3);
 * }</pre>
 */
public interface CheckpointStorage {

    /** Creates {@code directory} and its parents; a no-op where directories are implicit. */
    void createDirectories(Path directory) throws IOException;

    boolean exists(Path path) throws IOException;

    boolean isDirectory(Path path) throws IOException;

    /** The entries directly inside {@code directory}, in name order. */
    List<Path> list(Path directory) throws IOException;

    long size(Path file) throws IOException;

    InputStream open(Path file) throws IOException;

    byte[] readAllBytes(Path file) throws IOException;

    /** A new file, replacing any old one, durable once the stream is closed. */
    OutputStream create(Path file) throws IOException;

    /**
     * Replaces {@code target} by {@code content} as well as the storage allows: atomically on a local
     * disk; on an object store, one upload. Used only for hints (the {@code latest} pointer).
     */
    void writeAtomically(Path target, byte[] content) throws IOException;

    /**
     * Writes a new file whole (see the class comment for what readers may see meanwhile).
     *
     * @throws FileAlreadyExistsException if {@code target} exists
     */
    void createExclusive(Path target, byte[] content) throws IOException;

    /** Makes the creation, rename and deletion of entries in {@code directory} durable; a no-op remotely. */
    void syncDirectory(Path directory) throws IOException;

    /** Deletes {@code path} and everything under it; a path that is already gone is fine. */
    void deleteRecursively(Path path) throws IOException;

    /** How a path reads in messages and logs: a remote implementation gives the full URI. */
    default String describe(Path path) {
        return path.toString();
    }
}

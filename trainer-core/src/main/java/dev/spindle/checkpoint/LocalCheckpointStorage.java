package dev.spindle.checkpoint;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@link CheckpointStorage} on the local file system through {@code java.nio.file}: fsync on close,
 * temporary file plus atomic rename for whole-file writes, directories synced after renames.
 *
 * <pre>{@code
 * CheckpointStore store = CheckpointStore.open(new LocalCheckpointStorage(), Path.of("/ckpt/run-7"), 3);
 * }</pre>
 */
public final class LocalCheckpointStorage implements CheckpointStorage {

    private static final int BUFFER_BYTES = 1 << 20;

    @Override
    public void createDirectories(Path directory) throws IOException {
        Files.createDirectories(directory);
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public boolean isDirectory(Path path) {
        return Files.isDirectory(path);
    }

    @Override
    public List<Path> list(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.sorted().toList();
        }
    }

    @Override
    public long size(Path file) throws IOException {
        return Files.size(file);
    }

    @Override
    public InputStream open(Path file) throws IOException {
        return Files.newInputStream(file);
    }

    @Override
    public byte[] readAllBytes(Path file) throws IOException {
        return Files.readAllBytes(file);
    }

    /**
     * A new file (replacing any old one) whose {@code close()} returns only after the bytes reached
     * the disk, so a manifest written afterwards never describes data still in the page cache.
     */
    @Override
    public OutputStream create(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        OutputStream raw = new FilterOutputStream(Channels.newOutputStream(channel)) {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                out.write(bytes, offset, length);
            }

            @Override
            public void close() throws IOException {
                try (channel) {
                    flush();
                    channel.force(true);
                }
            }
        };
        return new BufferedOutputStream(raw, BUFFER_BYTES);
    }

    /**
     * Replaces {@code target} by {@code content} so that readers see the old file or the new one,
     * never a part: a durable temporary file beside it, then an atomic rename, then the directory
     * synced so the rename itself survives a crash.
     */
    @Override
    public void writeAtomically(Path target, byte[] content) throws IOException {
        Path temporary = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (OutputStream out = create(temporary)) {
            out.write(content);
        }
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(target.getParent());
    }

    /** Single writer per store, so checking first and then renaming is enough locally. */
    @Override
    public void createExclusive(Path target, byte[] content) throws IOException {
        if (Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString(), null, "a checkpoint writes this file once");
        }
        writeAtomically(target, content);
    }

    /** Makes the creation, rename and deletion of entries in {@code directory} durable (POSIX). */
    @Override
    public void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    @Override
    public void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException error) throws IOException {
                if (error != null) {
                    throw error;
                }
                Files.deleteIfExists(directory);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}

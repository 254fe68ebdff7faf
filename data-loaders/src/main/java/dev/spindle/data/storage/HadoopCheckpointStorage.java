package dev.spindle.data.storage;

import dev.spindle.checkpoint.CheckpointStorage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * trainer-core's {@link CheckpointStorage} on a Hadoop {@link FileSystem}: ABFS for {@code abfs://} and
 * {@code abfss://}, or any other Hadoop scheme. The store's paths are the path part of URIs on one file
 * system (scheme and authority fixed at construction).
 *
 * <p>Why this is safe without atomic rename (flat-namespace accounts): every data file is closed (its
 * blocks committed) before the manifest is written; the manifest is written once, with
 * {@code overwrite=false}, in one upload committed on close, so readers see no manifest, an empty one
 * (unparseable, so "not a checkpoint"), or the whole one. The {@code latest} pointer is only a hint.
 *
 * <pre>{@code
 * FileSystem fs = FileSystem.get(URI.create("abfss://ckpt@acct.dfs.core.windows.net/"), conf);
 * CheckpointStore store = CheckpointStore.open(new HadoopCheckpointStorage(fs), Path.of("/run-7"), 3);
 * }</pre>
 */
public final class HadoopCheckpointStorage implements CheckpointStorage {

    private final FileSystem fs;
    private final URI base;

    public HadoopCheckpointStorage(FileSystem fs) {
        if (fs == null) {
            throw new IllegalArgumentException("file system is null");
        }
        this.fs = fs;
        this.base = fs.getUri();
    }

    private org.apache.hadoop.fs.Path hadoop(Path path) {
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("checkpoint storage paths are absolute, got " + path);
        }
        return new org.apache.hadoop.fs.Path(base.getScheme(), base.getAuthority(), path.toString());
    }

    @Override
    public String describe(Path path) {
        return hadoop(path).toString();
    }

    @Override
    public void createDirectories(Path directory) throws IOException {
        fs.mkdirs(hadoop(directory));
    }

    @Override
    public boolean exists(Path path) throws IOException {
        return fs.exists(hadoop(path));
    }

    @Override
    public boolean isDirectory(Path path) throws IOException {
        try {
            return fs.getFileStatus(hadoop(path)).isDirectory();
        } catch (FileNotFoundException e) {
            return false;
        }
    }

    @Override
    public List<Path> list(Path directory) throws IOException {
        // A set: on the Blob endpoint a folder can be listed twice (its marker blob and its prefix).
        SortedSet<Path> entries = new TreeSet<>();
        for (FileStatus status : fs.listStatus(hadoop(directory))) {
            entries.add(directory.resolve(status.getPath().getName()));
        }
        return List.copyOf(entries);
    }

    @Override
    public long size(Path file) throws IOException {
        return fs.getFileStatus(hadoop(file)).getLen();
    }

    @Override
    public InputStream open(Path file) throws IOException {
        return fs.open(hadoop(file));
    }

    @Override
    public byte[] readAllBytes(Path file) throws IOException {
        try (FSDataInputStream in = fs.open(hadoop(file))) {
            return in.readAllBytes();
        }
    }

    /** On ABFS the blocks are committed when the stream is closed: close is the durability point. */
    @Override
    public OutputStream create(Path file) throws IOException {
        return fs.create(hadoop(file), true);
    }

    /** One upload: readers see the old blob until the new one's block list is committed on close. */
    @Override
    public void writeAtomically(Path target, byte[] content) throws IOException {
        try (OutputStream out = fs.create(hadoop(target), true)) {
            out.write(content);
        }
    }

    @Override
    public void createExclusive(Path target, byte[] content) throws IOException {
        org.apache.hadoop.fs.Path path = hadoop(target);
        OutputStream out;
        try {
            out = fs.create(path, false);
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(path.toString(), null, "a checkpoint writes this file once");
        }
        try (out) {
            out.write(content);
        }
    }

    /** Object stores have no directory entries to sync: a closed file is listed. */
    @Override
    public void syncDirectory(Path directory) {
        // nothing to do
    }

    @Override
    public void deleteRecursively(Path path) throws IOException {
        fs.delete(hadoop(path), true);
    }
}

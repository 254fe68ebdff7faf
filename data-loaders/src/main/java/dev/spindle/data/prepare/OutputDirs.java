package dev.spindle.data.prepare;

import dev.spindle.data.storage.Storage;
import java.io.IOException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The preparer's output directories on any Hadoop FileSystem: a URI with a scheme as given, a path
 * without one made local and absolute; a split directory must be new or empty, so a dataset is never
 * mixed with an older one.
 */
final class OutputDirs {

    private OutputDirs() {}


    /** The file system of {@code path}, configured as the loaders' (storage settings and credentials). */
    static FileSystem fileSystem(Path path) throws IOException {
        return path.getFileSystem(Storage.configuration());
    }

    /** Creates {@code dir} if needed; fails when it already holds files. */
    static Path empty(FileSystem fs, Path dir) throws IOException {
        fs.mkdirs(dir);
        FileStatus[] existing = fs.listStatus(dir);
        if (existing.length > 0) {
            throw new IOException(dir + " already has files; prepare into a new output directory or empty it first");
        }
        return fs.makeQualified(dir);
    }
}

package dev.spindle.data;

import dev.spindle.data.storage.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.EtagSource;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Finds a dataset's data files through Hadoop's {@link FileSystem}: a file, a directory (its data files,
 * not recursive) or a glob, sorted by full path so that every worker sees the same global order. A file's
 * format comes from the format asked for, or else from its extension ({@link DatasetFormats}).
 */
final class DatasetFiles {

    /**
     * One data file: fully qualified path, size in bytes, format, and what identifies this version of it.
     *
     * @param etag the store's ETag where the file system gives one (Hadoop's {@link EtagSource}), else null
     * @param modificationTime milliseconds since the epoch, as the file system reports it
     */
    record DataFile(Path path, long bytes, DatasetFormat format, long modificationTime, String etag) {
        String name() {
            return path.toString();
        }
    }

    private static volatile Configuration defaultConf;

    private DatasetFiles() {}

    /** The Hadoop configuration used for every loader (defaults plus core-site.xml on the class path). */
    static Configuration conf() {
        Configuration c = defaultConf;
        if (c == null) {
            synchronized (DatasetFiles.class) {
                c = defaultConf;
                if (c == null) {
                    c = Storage.configuration();
                    defaultConf = c;
                }
            }
        }
        return c;
    }

    static FileSystem fileSystem(Path path) {
        try {
            return path.getFileSystem(conf());
        } catch (IOException e) {
            throw new DataException("cannot open the file system of " + path + ": " + e.getMessage(), e);
        }
    }

    /** Resolves a URI to its data files of any registered format. */
    static List<DataFile> resolve(String uri) {
        return resolve(uri, null);
    }

    /**
     * Resolves a URI to its data files; {@code formatName} (null: any format, by extension) restricts them to
     * one format. Fails with the URI in the message when there are none.
     */
    static List<DataFile> resolve(String uri, String formatName) {
        DatasetFormat only = formatName == null ? null : DatasetFormats.byName(formatName);
        Path path = Storage.hadoopPath(uri);
        FileSystem fs = fileSystem(path);
        List<DataFile> files = new ArrayList<>();
        try {
            if (isGlob(uri)) {
                FileStatus[] matches = fs.globStatus(path);
                if (matches != null) {
                    for (FileStatus s : matches) {
                        addMatch(fs, s, only, files);
                    }
                }
            } else if (fs.exists(path)) {
                addMatch(fs, fs.getFileStatus(path), only, files);
            } else {
                throw new DataException("no files at " + uri + ": " + path + " does not exist");
            }
        } catch (IOException e) {
            throw new DataException("cannot list " + uri + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new DataException("no files at " + uri + ": expected " + expected(only));
        }
        files.sort(Comparator.comparing(DataFile::name));
        return List.copyOf(files);
    }

    private static String expected(DatasetFormat only) {
        return (only == null ? DatasetFormats.builtIn().describe()
                : only.name() + " (" + String.join(", ", only.extensions()) + ")") + " files";
    }

    private static void addMatch(FileSystem fs, FileStatus status, DatasetFormat only, List<DataFile> out)
            throws IOException {
        if (status.isDirectory()) {
            for (FileStatus child : fs.listStatus(status.getPath())) {
                DatasetFormat f = DatasetFormats.forFileName(child.getPath().getName());
                if (child.isFile() && f != null && (only == null || f == only) && !hidden(child.getPath().getName())) {
                    out.add(dataFile(child, f));
                }
            }
            return;
        }
        String name = status.getPath().getName();
        if (hidden(name)) {
            return;
        }
        DatasetFormat f = DatasetFormats.forFileName(name);
        if (f == null || (only != null && f != only)) {
            throw new DataException(status.getPath() + ": not a data file name" + (f == null ? "" : " of format "
                    + only.name() + " (it is " + f.name() + ")") + "; expected " + expected(only)
                    + (only == null ? "" : ", or set spec.data.format to match the files"));
        }
        out.add(dataFile(status, f));
    }

    private static DataFile dataFile(FileStatus status, DatasetFormat format) {
        String etag = status instanceof EtagSource e ? e.getEtag() : null;
        return new DataFile(status.getPath(), status.getLen(), format, status.getModificationTime(),
                etag == null || etag.isEmpty() ? null : etag);
    }

    /** Hadoop's convention: names starting with '.' or '_' are side files (checksums, markers). */
    private static boolean hidden(String name) {
        return name.startsWith(".") || name.startsWith("_");
    }

    private static boolean isGlob(String uri) {
        return uri.indexOf('*') >= 0 || uri.indexOf('?') >= 0 || uri.indexOf('[') >= 0 || uri.indexOf('{') >= 0;
    }

}

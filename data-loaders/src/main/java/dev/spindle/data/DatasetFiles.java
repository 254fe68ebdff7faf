package dev.spindle.data;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Finds a dataset's data files through Hadoop's {@link FileSystem}: a file, a directory (its data files,
 * not recursive) or a glob, sorted by full path so that every worker sees the same global order.
 */
final class DatasetFiles {

    /** Arrow IPC layouts, told apart by file name. */
    enum Format { FILE, STREAM }

    /** One data file: fully qualified path, size in bytes, layout. */
    record DataFile(Path path, long bytes, Format format) {
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
                    c = dev.spindle.data.storage.Storage.configuration();
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

    /** Resolves a URI to its data files; fails with the URI in the message when there are none. */
    static List<DataFile> resolve(String uri) {
        Path path = toPath(uri);
        FileSystem fs = fileSystem(path);
        List<DataFile> files = new ArrayList<>();
        try {
            if (isGlob(uri)) {
                FileStatus[] matches = fs.globStatus(path);
                if (matches != null) {
                    for (FileStatus s : matches) {
                        addMatch(fs, s, files);
                    }
                }
            } else if (fs.exists(path)) {
                addMatch(fs, fs.getFileStatus(path), files);
            } else {
                throw new DataException("no files at " + uri + ": " + path + " does not exist");
            }
        } catch (IOException e) {
            throw new DataException("cannot list " + uri + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new DataException("no files at " + uri + ": expected .arrow or .feather (Arrow IPC file format)"
                    + " or .arrows (Arrow IPC stream format) files");
        }
        files.sort(Comparator.comparing(DataFile::name));
        return List.copyOf(files);
    }

    private static void addMatch(FileSystem fs, FileStatus status, List<DataFile> out) throws IOException {
        if (status.isDirectory()) {
            for (FileStatus child : fs.listStatus(status.getPath())) {
                Format f = formatOf(child.getPath().getName());
                if (child.isFile() && f != null && !hidden(child.getPath().getName())) {
                    out.add(new DataFile(child.getPath(), child.getLen(), f));
                }
            }
            return;
        }
        String name = status.getPath().getName();
        if (hidden(name)) {
            return;
        }
        Format f = formatOf(name);
        if (f == null) {
            throw new DataException(status.getPath() + ": not a data file name; expected .arrow or .feather"
                    + " (Arrow IPC file format) or .arrows (Arrow IPC stream format)");
        }
        out.add(new DataFile(status.getPath(), status.getLen(), f));
    }

    /** Hadoop's convention: names starting with '.' or '_' are side files (checksums, markers). */
    private static boolean hidden(String name) {
        return name.startsWith(".") || name.startsWith("_");
    }

    static Format formatOf(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".arrow") || n.endsWith(".feather")) {
            return Format.FILE;
        }
        if (n.endsWith(".arrows")) {
            return Format.STREAM;
        }
        return null;
    }

    private static boolean isGlob(String uri) {
        return uri.indexOf('*') >= 0 || uri.indexOf('?') >= 0 || uri.indexOf('[') >= 0 || uri.indexOf('{') >= 0;
    }

    /** A string with a scheme is a URI; anything else is a local path, made absolute. */
    static Path toPath(String uri) {
        URI parsed;
        try {
            parsed = new URI(uri.replace(" ", "%20"));
        } catch (Exception e) {
            parsed = null;
        }
        if (parsed != null && parsed.getScheme() != null && parsed.getScheme().length() > 1) {
            return new Path(uri);
        }
        return new Path("file://" + new File(uri).getAbsolutePath());
    }
}

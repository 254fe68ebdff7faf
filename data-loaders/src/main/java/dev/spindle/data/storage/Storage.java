package dev.spindle.data.storage;

import dev.spindle.checkpoint.CheckpointStore;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * The front door to remote storage: the one Hadoop configuration every loader and store uses, URI checks
 * (no secrets in URIs, the {@code .dfs.} host ABFS needs), and checkpoint stores opened by URI.
 *
 * <pre>{@code
 * CheckpointStore store = Storage.checkpoints("abfss://ckpt@acct.dfs.core.windows.net/runs/gpt", 3);
 * Configuration conf = Storage.configuration();
 * }</pre>
 */
public final class Storage {

    /** The schemes of the ABFS driver; {@code abfss} is TLS. */
    public static final Set<String> ABFS_SCHEMES = Set.of("abfs", "abfss");

    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");
    /** Query parameters of a SAS token: a URI holding one would leak it into specs, logs and events. */
    private static final Pattern SECRET_QUERY = Pattern.compile("(?i)(^|[?&])(sig|sv|se|sp|skoid)=");

    private static volatile Configuration configuration;

    private Storage() {}

    /** The configuration from {@link StorageSettings#from(Environment)} of this process, made once. */
    public static Configuration configuration() {
        Configuration c = configuration;
        if (c == null) {
            synchronized (Storage.class) {
                c = configuration;
                if (c == null) {
                    c = StorageSettings.from(Environment.system()).configuration();
                    configuration = c;
                }
            }
        }
        return c;
    }

    /** Whether {@code location} names a URI with a scheme other than {@code file:}. */
    public static boolean isRemote(String location) {
        return location != null && SCHEME.matcher(location).matches()
                && !location.regionMatches(true, 0, "file:", 0, 5);
    }

    /**
     * Checks a remote location named by {@code field} of a job spec: it must not carry a credential, and an
     * ABFS URI must have the form {@code abfss://container@account.dfs.core.windows.net/path}.
     *
     * @throws StorageException naming the field, what was wrong and what to do; never echoing a secret
     */
    public static URI checkLocation(String location, String field) {
        URI uri;
        try {
            uri = new URI(location);
        } catch (URISyntaxException e) {
            throw new StorageException(field + ": '" + location + "' is not a valid URI (" + e.getReason() + ")");
        }
        String query = uri.getRawQuery();
        if (query != null && SECRET_QUERY.matcher(query).find()) {
            throw new StorageException(field + ": the URI carries what looks like a SAS token (a query with sig=,"
                    + " sv=, ...); never put credentials in a job spec: remove the query and set "
                    + AzureCredentials.SAS_TOKEN + "_FILE (a Kubernetes secret) or use workload identity");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (ABFS_SCHEMES.contains(scheme)) {
            if (uri.getRawUserInfo() != null && uri.getRawUserInfo().contains(":")) {
                throw new StorageException(field + ": the " + scheme + " URI carries a password in its user part;"
                        + " never put credentials in a job spec: use workload identity, or "
                        + AzureCredentials.STORAGE_KEY + "_FILE (a Kubernetes secret) for development");
            }
            if (uri.getRawUserInfo() == null || uri.getRawUserInfo().isEmpty()) {
                throw new StorageException(field + ": got " + location + ", expected " + scheme
                        + "://CONTAINER@ACCOUNT.dfs.core.windows.net/PATH (the container is missing)");
            }
            String host = uri.getHost();
            if (host == null || !host.contains(".dfs.")) {
                throw new StorageException(field + ": host '" + host + "' in " + location + " is not a .dfs."
                        + " endpoint; ABFS needs ACCOUNT.dfs.core.windows.net (not .blob.), even for"
                        + " flat-namespace accounts");
            }
        }
        return uri;
    }

    /**
     * The checkpoint store at {@code location}: a local path or {@code file:} URI on the local disk (with
     * fsync and atomic rename), anything else through Hadoop's {@link FileSystem} with
     * {@link HadoopCheckpointStorage}.
     *
     * @throws StorageException if the location is invalid or its file system cannot be reached
     */
    public static CheckpointStore checkpoints(String location, int keep) {
        if (!isRemote(location)) {
            Path local = location.regionMatches(true, 0, "file:", 0, 5) ? Path.of(URI.create(location))
                    : Path.of(location);
            return CheckpointStore.open(local, keep);
        }
        URI uri = checkLocation(location, "checkpoint location");
        FileSystem fs;
        try {
            fs = FileSystem.get(uri, configuration());
        } catch (IOException | RuntimeException e) {
            throw new StorageException("cannot open the file system of " + location + ": "
                    + RetryPolicy.cause(e), e);
        }
        String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
        try {
            return CheckpointStore.open(new HadoopCheckpointStorage(fs), Path.of(path), keep);
        } catch (java.io.UncheckedIOException e) {
            throw new StorageException("cannot create checkpoint directory " + location + ": "
                    + RetryPolicy.cause(e), e);
        }
    }

    /**
     * A location as Hadoop takes it: a string with a scheme ({@code file:}, {@code abfss:}) is a URI;
     * anything else is a local path, made absolute (a one-letter "scheme" is a Windows drive).
     */
    public static org.apache.hadoop.fs.Path hadoopPath(String location) {
        URI parsed;
        try {
            parsed = new URI(location.replace(" ", "%20"));
        } catch (URISyntaxException e) {
            parsed = null;
        }
        if (parsed != null && parsed.getScheme() != null && parsed.getScheme().length() > 1) {
            return new org.apache.hadoop.fs.Path(location);
        }
        return new org.apache.hadoop.fs.Path(new java.io.File(location).getAbsoluteFile().toURI());
    }
}

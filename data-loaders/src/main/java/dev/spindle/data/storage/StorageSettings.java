package dev.spindle.data.storage;

import org.apache.hadoop.conf.Configuration;

/**
 * The Hadoop configuration Spindle reads and writes storage with: ABFS tuned for large sequential reads
 * of Arrow files, its known pitfalls avoided, and credentials from the environment. Every value here is a
 * default: a key already set (by a {@code core-site.xml} on the class path) wins.
 *
 * <pre>{@code
 * StorageSettings settings = StorageSettings.from(Environment.system());
 * Configuration conf = settings.configuration();   // what every loader and remote store uses
 * }</pre>
 *
 * @param readRequestBytes bytes one ABFS read request fetches ({@code fs.azure.read.request.size})
 * @param readAheadBlockBytes bytes per read-ahead buffer ({@code fs.azure.read.readahead.blocksize})
 * @param readAheadDepth read-ahead requests in flight per stream ({@code fs.azure.readaheadqueue.depth})
 * @param endpoint {@code host:port} of an emulator (Azurite) instead of Azure, or {@code null}
 * @param https whether to talk TLS; only an emulator endpoint may turn it off
 * @param requestRetries ABFS's own per-request retries, or -1 for its default
 * @param credentials how to authenticate
 */
public record StorageSettings(long readRequestBytes, long readAheadBlockBytes, long readAheadDepth, String endpoint,
                              boolean https, int requestRetries, AzureCredentials credentials) {

    /** 8 MiB requests: PLATFORM-NOTES measured 340-500 MB/s from Azurite against ~150 MB/s at ABFS's 4 MiB. */
    public static final long DEFAULT_READ_REQUEST_BYTES = 8L << 20;
    public static final long DEFAULT_READ_AHEAD_BLOCK_BYTES = 8L << 20;
    /** Eight 8 MiB requests in flight per stream (measured together with the sizes above). */
    public static final long DEFAULT_READ_AHEAD_DEPTH = 8;

    public static final String READ_REQUEST_BYTES = "SPINDLE_AZURE_READ_REQUEST_BYTES";
    public static final String READ_AHEAD_BLOCK_BYTES = "SPINDLE_AZURE_READAHEAD_BLOCK_BYTES";
    public static final String READ_AHEAD_DEPTH = "SPINDLE_AZURE_READAHEAD_DEPTH";
    /** {@code host:port} of an emulator; unset for Azure itself. */
    public static final String ENDPOINT = "SPINDLE_AZURE_ENDPOINT";
    /** {@code false} only with {@value #ENDPOINT}: Azurite's plain-http port. */
    public static final String HTTPS = "SPINDLE_AZURE_HTTPS";
    public static final String REQUEST_RETRIES = "SPINDLE_AZURE_REQUEST_RETRIES";

    public StorageSettings {
        if (readRequestBytes <= 0 || readAheadBlockBytes <= 0 || readAheadDepth <= 0) {
            throw new StorageException("read settings must be positive, got readRequestBytes=" + readRequestBytes
                    + ", readAheadBlockBytes=" + readAheadBlockBytes + ", readAheadDepth=" + readAheadDepth);
        }
        if (!https && endpoint == null) {
            throw new StorageException(HTTPS + "=false needs " + ENDPOINT + " (an emulator such as Azurite):"
                    + " Azure Storage itself is reached over https only");
        }
        if (credentials == null) {
            throw new StorageException("storage credentials are null");
        }
    }

    /** The settings {@code env} gives, defaults for the rest. */
    public static StorageSettings from(Environment env) {
        String endpoint = env.get(ENDPOINT).orElse(null);
        boolean https = env.get(HTTPS).map(value -> {
            if (!value.equals("true") && !value.equals("false")) {
                throw new StorageException(HTTPS + ": got '" + value + "', expected true or false");
            }
            return Boolean.parseBoolean(value);
        }).orElse(true);
        return new StorageSettings(env.positive(READ_REQUEST_BYTES, DEFAULT_READ_REQUEST_BYTES),
                env.positive(READ_AHEAD_BLOCK_BYTES, DEFAULT_READ_AHEAD_BLOCK_BYTES),
                env.positive(READ_AHEAD_DEPTH, DEFAULT_READ_AHEAD_DEPTH), endpoint, https,
                env.get(REQUEST_RETRIES).isPresent() ? env.nonNegative(REQUEST_RETRIES, 0) : -1,
                AzureCredentials.from(env));
    }

    /** A new Hadoop configuration: {@code core-site.xml} if there is one, then these settings where unset. */
    public Configuration configuration() {
        Configuration conf = new Configuration();
        Configuration ours = new Configuration(false);
        ours.setLong("fs.azure.read.request.size", readRequestBytes);
        ours.setLong("fs.azure.read.readahead.blocksize", readAheadBlockBytes);
        ours.setLong("fs.azure.readaheadqueue.depth", readAheadDepth);
        // The default Apache HTTP client fails on plain http ("SSL socket factory may not be null").
        ours.set("fs.azure.networking.library", "JDK_HTTP_URL_CONNECTION");
        // Its emitter is a non-daemon thread that would keep a finished job's JVM alive.
        ours.setBoolean("fs.azure.metrics.collection.enabled", false);
        if (requestRetries >= 0) {
            ours.setInt("fs.azure.io.retry.max.retries", requestRetries);
        }
        if (endpoint != null) {
            ours.set("fs.azure.abfs.endpoint", endpoint);
            ours.setBoolean("fs.azure.always.use.https", https);
            // An emulator serves the Blob endpoint of a flat-namespace account and starts empty.
            ours.setBoolean("fs.azure.account.hns.enabled", false);
            ours.set("fs.azure.fns.account.service.type", "BLOB");
            ours.setBoolean("fs.azure.createRemoteFileSystemDuringInitialization", true);
        }
        credentials.applyTo(ours);
        for (var entry : ours) {
            if (conf.get(entry.getKey()) == null) {
                conf.set(entry.getKey(), entry.getValue(), "spindle");
            }
        }
        return conf;
    }
}

package dev.spindle.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The ingestion log of a run ({@code ingestion.jsonl} in the run directory): one JSON object per data file
 * per epoch per rank, written and flushed when the rank first reads the file in that epoch. It says which
 * bytes a model saw: the file's URI, size, ETag (where the file system gives one) or modification time,
 * and the rows of the file in the rank's share of the epoch. Opening an existing log appends; an entry whose
 * (rank, epoch, uri) is already in the file is not written again, so a resumed run never duplicates one.
 *
 * <pre>{@code
 * try (IngestionLog log = IngestionLog.open(runDir.resolve(IngestionLog.FILE_NAME));
 *         BatchSource source = DataLoaders.open(options, cursor, log)) {
 *     source.next(step);
 * }
 * }</pre>
 */
public final class IngestionLog implements AutoCloseable {

    /** The log's file name in a run directory. */
    public static final String FILE_NAME = "ingestion.jsonl";
    /** The format version written in every entry. */
    public static final int VERSION = 1;

    /**
     * One entry.
     *
     * @param rank the data-parallel rank that read the file
     * @param epoch the rank's epoch (0-based)
     * @param uri the file's fully qualified URI
     * @param format the dataset format ({@code arrow}, {@code parquet})
     * @param bytes the file's size
     * @param etag the store's ETag, or null where the file system has none (local files)
     * @param modificationTime the file's modification time, milliseconds since the epoch
     * @param rows rows (documents or examples) of this file in the rank's share of the epoch
     */
    public record Entry(int rank, long epoch, String uri, String format, long bytes, String etag,
            long modificationTime, long rows) {
        public Entry {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(format, "format");
            if (rank < 0 || epoch < 0 || bytes < 0 || rows < 0) {
                throw new IllegalArgumentException("rank, epoch, bytes and rows must be >= 0, got " + rank + ", "
                        + epoch + ", " + bytes + ", " + rows);
            }
        }

        private String key() {
            return rank + " " + epoch + " " + uri;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Set<String> written = new HashSet<>();
    private final BufferedWriter out;
    private boolean closed;

    private IngestionLog(Path file, BufferedWriter out, List<Entry> existing) {
        this.file = file;
        this.out = out;
        existing.forEach(e -> written.add(e.key()));
    }

    /** Opens (creating or appending to) the log at {@code file}; fails on a line that is not an entry. */
    public static IngestionLog open(Path file) {
        List<Entry> existing = Files.exists(file) ? read(file) : List.of();
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            return new IngestionLog(file, out, existing);
        } catch (IOException e) {
            throw new DataException("cannot open the ingestion log " + file + ": " + e.getMessage(), e);
        }
    }

    /** Every entry of a log file, in order. */
    public static List<Entry> read(Path file) {
        List<Entry> entries = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                if (!lines.get(i).isBlank()) {
                    entries.add(parse(file, i + 1, lines.get(i)));
                }
            }
        } catch (IOException e) {
            throw new DataException("cannot read the ingestion log " + file + ": " + e.getMessage(), e);
        }
        return entries;
    }

    private static Entry parse(Path file, int line, String text) {
        try {
            JsonNode n = JSON.readTree(text);
            if (n.path("version").asInt(-1) != VERSION) {
                throw new IllegalArgumentException("version " + n.path("version") + ", expected " + VERSION);
            }
            JsonNode etag = n.path("etag");
            return new Entry(n.path("rank").asInt(-1), n.path("epoch").asLong(-1), n.path("uri").asText(null),
                    n.path("format").asText(null), n.path("bytes").asLong(-1), etag.isTextual() ? etag.asText() : null,
                    n.path("modificationTime").asLong(), n.path("rows").asLong(-1));
        } catch (IOException | RuntimeException e) {
            throw new DataException(file + " line " + line + ": not an ingestion log entry (" + e.getMessage()
                    + "); move the file away to start a new log", e);
        }
    }

    /** Writes and flushes the entry unless one with its rank, epoch and uri is already in the log. */
    public synchronized boolean record(Entry e) {
        if (closed) {
            throw new IllegalStateException("the ingestion log " + file + " is closed");
        }
        if (!written.add(e.key())) {
            return false;
        }
        ObjectNode n = JSON.createObjectNode();
        n.put("version", VERSION);
        n.put("rank", e.rank());
        n.put("epoch", e.epoch());
        n.put("uri", e.uri());
        n.put("format", e.format());
        n.put("bytes", e.bytes());
        n.put("etag", e.etag());
        n.put("modificationTime", e.modificationTime());
        n.put("rows", e.rows());
        try {
            out.write(JSON.writeValueAsString(n));
            out.newLine();
            out.flush();
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write the ingestion log " + file + ": " + ex.getMessage(), ex);
        }
        return true;
    }

    /** The log's path. */
    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.close();
        } catch (IOException e) {
            throw new DataException("cannot close the ingestion log " + file + ": " + e.getMessage(), e);
        }
    }
}

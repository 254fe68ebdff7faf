package dev.spindle.peft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes {@link AdapterMetadata} as {@code spindle-adapter.json} inside an adapter directory.
 *
 * <pre>{@code
 * AdapterMetadataJson.write(adapterDir, metadata);   // when fine-tuning ends
 * AdapterMetadata m = AdapterMetadataJson.read(adapterDir);
 * }</pre>
 *
 * <p>The file carries {@code formatVersion}; this reader accepts version 1 and refuses newer ones
 * with a message, so an old Spindle never misreads a newer file.
 */
public final class AdapterMetadataJson {

    /** The format version this class writes. */
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private AdapterMetadataJson() {}

    /** Writes {@code adapterDir/spindle-adapter.json} (replacing it), creating the directory if needed. */
    public static void write(Path adapterDir, AdapterMetadata m) {
        Path file = adapterDir.resolve(AdapterMetadata.FILE_NAME);
        try {
            Files.createDirectories(adapterDir);
            Path tmp = adapterDir.resolve(AdapterMetadata.FILE_NAME + ".tmp");
            Files.write(tmp, toBytes(m));
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads {@code adapterDir/spindle-adapter.json}; a missing or malformed file is an {@link IllegalArgumentException}. */
    public static AdapterMetadata read(Path adapterDir) {
        Path file = adapterDir.resolve(AdapterMetadata.FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no " + AdapterMetadata.FILE_NAME + " in " + adapterDir
                    + ": an adapter directory needs it (fine-tuning writes it; see docs/adapters.md)");
        }
        try {
            return fromBytes(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The file's bytes for {@code m}: keys in a fixed order, metrics sorted by name. */
    static byte[] toBytes(AdapterMetadata m) {
        ObjectNode root = JSON.createObjectNode();
        root.put("formatVersion", FORMAT_VERSION);
        root.put("baseModelDigest", m.baseModelDigest());
        root.put("datasetDigest", m.datasetDigest());
        root.put("specDigest", m.specDigest());
        ObjectNode metrics = root.putObject("metrics");
        new TreeMap<>(m.metrics()).forEach(metrics::put);
        root.put("parentVersion", m.parentVersion());
        root.put("createdAt", m.createdAt().toString());
        try {
            return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize adapter metadata", e);
        }
    }

    /** Parses the file's bytes; {@code source} names the file in error messages. */
    static AdapterMetadata fromBytes(byte[] bytes, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + " must hold a JSON object");
        }
        int version = root.path("formatVersion").asInt(-1);
        if (version != FORMAT_VERSION) {
            throw new IllegalArgumentException(source + ": formatVersion " + root.path("formatVersion")
                    + " is not supported (this Spindle reads " + FORMAT_VERSION + "); use a newer Spindle");
        }
        Map<String, Double> metrics = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("metrics").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNumber()) {
                throw new IllegalArgumentException(source + ": metrics." + e.getKey() + " is " + e.getValue()
                        + ", expected a number");
            }
            metrics.put(e.getKey(), e.getValue().doubleValue());
        }
        try {
            return new AdapterMetadata(
                    required(root, "baseModelDigest", source),
                    optional(root, "datasetDigest"),
                    required(root, "specDigest", source),
                    metrics,
                    optional(root, "parentVersion"),
                    Instant.parse(required(root, "createdAt", source)));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(source + ": createdAt " + root.path("createdAt")
                    + " is not an ISO-8601 instant such as 2026-01-31T12:00:00Z", e);
        }
    }

    private static String required(JsonNode root, String field, String source) {
        JsonNode n = root.get(field);
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw new IllegalArgumentException(source + ": " + field + " is " + n + ", expected a non-empty string");
        }
        return n.asText();
    }

    private static String optional(JsonNode root, String field) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }
}

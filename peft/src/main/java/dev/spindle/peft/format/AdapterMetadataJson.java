package dev.spindle.peft.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spindle.peft.AdapterMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code spindle-adapter.json}: an {@link AdapterMetadata} as JSON, one field per record component,
 * {@code createdAt} as an ISO-8601 instant, absent values as {@code null}.
 *
 * <pre>{@code
 * AdapterMetadataJson.write(adapterDir, metadata);
 * AdapterMetadata back = AdapterMetadataJson.read(adapterDir);
 * }</pre>
 */
public final class AdapterMetadataJson {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private AdapterMetadataJson() {}

    /** Writes {@code directory/spindle-adapter.json}. */
    public static void write(Path directory, AdapterMetadata metadata) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("baseModelDigest", metadata.baseModelDigest());
        root.put("datasetDigest", metadata.datasetDigest());
        root.put("specDigest", metadata.specDigest());
        ObjectNode metrics = root.putObject("metrics");
        metadata.metrics().forEach(metrics::put);
        root.put("parentVersion", metadata.parentVersion());
        root.put("createdAt", metadata.createdAt().toString());
        Files.write(directory.resolve(AdapterMetadata.FILE_NAME), JSON.writeValueAsBytes(root));
    }

    /**
     * Reads {@code directory/spindle-adapter.json}.
     *
     * @throws IOException naming the file and field when it is missing or malformed
     */
    public static AdapterMetadata read(Path directory) throws IOException {
        Path file = directory.resolve(AdapterMetadata.FILE_NAME);
        JsonNode root = JSON.readTree(file.toFile());
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": expected a JSON object of adapter metadata");
        }
        Map<String, Double> metrics = new TreeMap<>();
        root.path("metrics").properties().forEach(e -> metrics.put(e.getKey(), e.getValue().asDouble()));
        try {
            return new AdapterMetadata(text(root, "baseModelDigest"), text(root, "datasetDigest"),
                    text(root, "specDigest"), metrics, text(root, "parentVersion"),
                    Instant.parse(root.path("createdAt").asText("")));
        } catch (NullPointerException | DateTimeParseException e) {
            throw new IOException(file + ": " + e.getMessage() + " (needs baseModelDigest, specDigest and an"
                    + " ISO-8601 createdAt)", e);
        }
    }

    private static String text(JsonNode root, String field) {
        JsonNode v = root.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}

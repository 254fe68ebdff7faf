package dev.spindle.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.TreeMap;

/**
 * Writes a resolved job spec (every default filled in) as YAML, and its digest: the SHA-256 of a
 * canonical JSON form with sorted keys, which names exactly what a run was asked to do (the audit log
 * and adapter annotations carry it).
 *
 * <pre>{@code
 * Files.writeString(runDir.resolve("job.resolved.yaml"), SpecWriter.toYaml(job));
 * String digest = SpecWriter.digest(job);   // "sha256:3f1c..."
 * }</pre>
 */
public final class SpecWriter {

    /** Absent optional fields (null) are left out, so the YAML reads back to the same spec. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.ALWAYS))
            .build();

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            // Without this, the string "1.10" is written bare and reads back as the number 1.1.
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build();

    private SpecWriter() {
    }

    /** The resolved spec as YAML; {@link SpecReader#read(String, java.util.List)} reads it back equal. */
    public static String toYaml(JobSpec spec) {
        try {
            return YAML.writeValueAsString(JSON.valueToTree(spec));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing job spec '" + spec.metadata().name() + "' as YAML failed", e);
        }
    }

    /** {@code "sha256:<64 hex digits>"} of the canonical JSON form; equal specs give equal digests. */
    public static String digest(JobSpec spec) {
        try {
            byte[] canonical = JSON.writeValueAsString(sorted(JSON.valueToTree(spec))).getBytes(StandardCharsets.UTF_8);
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing job spec '" + spec.metadata().name() + "' as JSON failed", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM offers no SHA-256, which every Java SE runtime must", e);
        }
    }

    /** A copy with every object's keys in sorted order (record order and YAML order are not canonical). */
    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            TreeMap<String, JsonNode> fields = new TreeMap<>();
            Iterator<String> names = node.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                fields.put(name, sorted(node.get(name)));
            }
            ObjectNode out = JSON.createObjectNode();
            fields.forEach(out::set);
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JSON.createArrayNode();
            node.forEach(e -> out.add(sorted(e)));
            return out;
        }
        return node;
    }
}

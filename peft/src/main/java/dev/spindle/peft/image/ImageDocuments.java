package dev.spindle.peft.image;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The image config and manifest of an adapter image, written byte for byte by Spindle (compact JSON,
 * fixed key order, non-ASCII escaped) so that their digests depend only on the adapter and its metadata;
 * and read back from any registry or layout.
 */
final class ImageDocuments {

    static final String MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
    static final String CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json";
    static final String LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";
    /**
     * The platform written in the config. An adapter holds no executable, but runtimes match an image's
     * platform before they mount it as a volume; linux/amd64 is what AKS GPU node pools run.
     */
    static final String OS = "linux";
    static final String ARCHITECTURE = "amd64";

    // Escaping non-ASCII keeps the bytes identical whatever the JVM's default charset (ORAS sends
    // String.getBytes() with the default charset).
    private static final JsonMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    /** A descriptor as a manifest lists it. */
    record Descriptor(String mediaType, String digest, long size) {}

    /** What Spindle reads from a manifest: its config and its one layer. */
    record Manifest(Descriptor config, Descriptor layer, Map<String, String> annotations) {}

    private ImageDocuments() {}

    static byte[] config(Map<String, String> labels, String createdAt, String diffId) {
        ObjectNode root = JSON.createObjectNode();
        root.put("architecture", ARCHITECTURE);
        ObjectNode config = root.putObject("config");
        ObjectNode labelNode = config.putObject("Labels");
        new TreeMap<>(labels).forEach(labelNode::put);
        root.put("created", createdAt);
        root.put("os", OS);
        ObjectNode rootfs = root.putObject("rootfs");
        rootfs.putArray("diff_ids").add(diffId);
        rootfs.put("type", "layers");
        return bytes(root);
    }

    static byte[] manifest(Descriptor config, Descriptor layer, Map<String, String> annotations) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", MANIFEST_MEDIA_TYPE);
        descriptor(root.putObject("config"), config);
        descriptor(root.putArray("layers").addObject(), layer);
        ObjectNode annotationNode = root.putObject("annotations");
        new TreeMap<>(annotations).forEach(annotationNode::put);
        return bytes(root);
    }

    /** Reads a manifest; anything but one layer of a known media type is not a Spindle adapter image. */
    static Manifest readManifest(byte[] bytes, ImageRef ref) {
        JsonNode root = tree(bytes, ref, "manifest");
        JsonNode layers = root.path("layers");
        if (!MANIFEST_MEDIA_TYPE.equals(root.path("mediaType").asText(MANIFEST_MEDIA_TYPE))
                || layers.size() != 1 || !root.path("config").isObject()) {
            throw new AdapterImageException(ref + " is not a Spindle adapter image: expected an OCI image manifest"
                    + " with one layer, found media type " + root.path("mediaType") + " and " + layers.size()
                    + " layers");
        }
        Map<String, String> annotations = new TreeMap<>();
        root.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
        return new Manifest(descriptor(root.path("config")), descriptor(layers.get(0)), annotations);
    }

    /** The labels of an image config. */
    static Map<String, String> readLabels(byte[] config, ImageRef ref) {
        Map<String, String> labels = new TreeMap<>();
        tree(config, ref, "config").path("config").path("Labels").fields()
                .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return labels;
    }

    private static Descriptor descriptor(JsonNode node) {
        return new Descriptor(node.path("mediaType").asText(), node.path("digest").asText(), node.path("size").asLong());
    }

    private static void descriptor(ObjectNode node, Descriptor d) {
        node.put("mediaType", d.mediaType());
        node.put("digest", d.digest());
        node.put("size", d.size());
    }

    private static JsonNode tree(byte[] bytes, ImageRef ref, String what) {
        try {
            JsonNode root = JSON.readTree(bytes);
            if (root == null || !root.isObject()) {
                throw new AdapterImageException("the " + what + " of " + ref + " is not a JSON object");
            }
            return root;
        } catch (IOException e) {
            throw new AdapterImageException("the " + what + " of " + ref + " is not valid JSON", e);
        }
    }

    private static byte[] bytes(ObjectNode root) {
        try {
            return JSON.writeValueAsString(root).getBytes(StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize an image document", e);
        }
    }
}

package dev.spindle.peft.image;

import dev.spindle.peft.AdapterMetadata;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The labels (image config) and annotations (manifest) an adapter image carries: {@link AdapterMetadata}
 * as flat string pairs, and back. A standard {@code org.opencontainers.image.*} key where one means the
 * same thing, {@code dev.spindle.adapter.*} for the rest.
 *
 * <pre>{@code
 * Map<String, String> labels = AdapterLabels.of(metadata);
 * AdapterMetadata same = AdapterLabels.metadata(labels);
 * }</pre>
 */
public final class AdapterLabels {

    /** When the job made the adapter (the job's time, not the push's). */
    public static final String CREATED = "org.opencontainers.image.created";
    /** What the image is, for registry UIs. */
    public static final String TITLE = "org.opencontainers.image.title";
    /** The value of {@link #TITLE}. */
    public static final String TITLE_VALUE = "spindle LoRA adapter";
    /** The layout of the image's files: version 1 is /data/adapter_config.json + /data/adapter_model.safetensors. */
    public static final String FORMAT = "dev.spindle.adapter.format";
    /** The value of {@link #FORMAT}. */
    public static final String FORMAT_VALUE = "1";
    /** Digest of the base model's parameters (not {@code image.base.digest}: that names a base image). */
    public static final String BASE_MODEL_DIGEST = "dev.spindle.adapter.base-model.digest";
    /** Digest of the training dataset. */
    public static final String DATASET_DIGEST = "dev.spindle.adapter.dataset.digest";
    /** Digest of the resolved job spec. */
    public static final String SPEC_DIGEST = "dev.spindle.adapter.spec.digest";
    /** The adapter version this one was fine-tuned from. */
    public static final String PARENT = "dev.spindle.adapter.parent";
    /** Prefix of one label per training metric: {@code dev.spindle.adapter.metric.loss = 1.23}. */
    public static final String METRIC_PREFIX = "dev.spindle.adapter.metric.";

    private AdapterLabels() {}

    /** The labels for {@code m}, sorted by key (sorted so the config's bytes, and so its digest, are stable). */
    public static Map<String, String> of(AdapterMetadata m) {
        Map<String, String> labels = new TreeMap<>();
        labels.put(CREATED, m.createdAt().toString());
        labels.put(TITLE, TITLE_VALUE);
        labels.put(FORMAT, FORMAT_VALUE);
        labels.put(BASE_MODEL_DIGEST, m.baseModelDigest());
        labels.put(SPEC_DIGEST, m.specDigest());
        if (m.datasetDigest() != null) {
            labels.put(DATASET_DIGEST, m.datasetDigest());
        }
        if (m.parentVersion() != null) {
            labels.put(PARENT, m.parentVersion());
        }
        m.metrics().forEach((name, value) -> labels.put(METRIC_PREFIX + name, Double.toString(value)));
        return labels;
    }

    /**
     * The subset of {@code labels} also written as manifest annotations: what a registry UI or a
     * {@code GET /v2/<repo>/manifests/<tag>} shows without fetching the config (identity and lineage).
     * The rest lives only in the config's labels, to keep the image's overhead under 2 KB.
     */
    public static Map<String, String> annotations(Map<String, String> labels) {
        Map<String, String> annotations = new TreeMap<>();
        for (String key : new String[] {CREATED, TITLE, FORMAT, BASE_MODEL_DIGEST, PARENT}) {
            if (labels.containsKey(key)) {
                annotations.put(key, labels.get(key));
            }
        }
        return annotations;
    }

    /**
     * Rebuilds the metadata from an image's labels.
     *
     * @throws AdapterImageException if a label Spindle needs is missing or malformed (not a Spindle adapter image)
     */
    public static AdapterMetadata metadata(Map<String, String> labels) {
        if (!FORMAT_VALUE.equals(labels.get(FORMAT))) {
            throw new AdapterImageException("the image is not a Spindle adapter of format " + FORMAT_VALUE
                    + " (label " + FORMAT + " is " + labels.get(FORMAT) + "); push it with 'spindle adapters push'");
        }
        Map<String, Double> metrics = new TreeMap<>();
        labels.forEach((key, value) -> {
            if (key.startsWith(METRIC_PREFIX)) {
                try {
                    metrics.put(key.substring(METRIC_PREFIX.length()), Double.parseDouble(value));
                } catch (NumberFormatException e) {
                    throw new AdapterImageException("label " + key + " is '" + value + "', expected a number", e);
                }
            }
        });
        try {
            return new AdapterMetadata(
                    require(labels, BASE_MODEL_DIGEST),
                    labels.get(DATASET_DIGEST),
                    require(labels, SPEC_DIGEST),
                    metrics,
                    labels.get(PARENT),
                    Instant.parse(require(labels, CREATED)));
        } catch (DateTimeParseException e) {
            throw new AdapterImageException("label " + CREATED + " is '" + labels.get(CREATED)
                    + "', expected an ISO-8601 instant", e);
        }
    }

    private static String require(Map<String, String> labels, String key) {
        String value = labels.get(key);
        if (value == null) {
            throw new AdapterImageException("the image has no label " + key + "; it was not pushed by Spindle");
        }
        return value;
    }
}

package dev.spindle.peft;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Where an adapter version came from: written beside the adapter as {@code spindle-adapter.json}
 * when fine-tuning ends, and carried as labels and annotations by the adapter's OCI image.
 *
 * @param baseModelDigest digest of the base model's parameters ({@code sha256:<hex>})
 * @param datasetDigest digest identifying the training dataset, or {@code null} if unknown
 * @param specDigest digest of the resolved job spec ({@code sha256:<hex>})
 * @param metrics final training metrics, e.g. {@code loss}, {@code evalLoss}
 * @param parentVersion the adapter version this one was fine-tuned from, or {@code null}
 * @param createdAt creation time given by the job (not the wall clock, so images are reproducible)
 */
public record AdapterMetadata(
        String baseModelDigest,
        String datasetDigest,
        String specDigest,
        Map<String, Double> metrics,
        String parentVersion,
        Instant createdAt) {

    /** The file name of the metadata inside an adapter directory. */
    public static final String FILE_NAME = "spindle-adapter.json";

    public AdapterMetadata {
        Objects.requireNonNull(baseModelDigest, "baseModelDigest");
        Objects.requireNonNull(specDigest, "specDigest");
        Objects.requireNonNull(createdAt, "createdAt");
        metrics = metrics == null ? Map.of() : Map.copyOf(new TreeMap<>(metrics));
    }
}

package dev.spindle.peft.image;

import dev.spindle.peft.AdapterMetadata;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One adapter version as stored: what {@code spindle adapters inspect} and {@code list} show.
 *
 * <pre>{@code
 * AdapterImage image = AdapterImages.client().inspect(ImageRef.parse("oci-layout:adapters:v2"));
 * System.out.println(image.digest() + " parent " + image.metadata().parentVersion());
 * }</pre>
 *
 * @param ref where it was read
 * @param digest the manifest's digest, the version's identity
 * @param manifestBytes size of the manifest
 * @param configBytes size of the image config
 * @param layerBytes size of the compressed layer
 * @param fileBytes size of each adapter file in the layer, by name
 * @param adapterConfig the text of {@code adapter_config.json}
 * @param labels the image config's labels
 * @param metadata the labels read as adapter metadata
 */
public record AdapterImage(
        ImageRef ref,
        String digest,
        long manifestBytes,
        long configBytes,
        long layerBytes,
        Map<String, Long> fileBytes,
        String adapterConfig,
        Map<String, String> labels,
        AdapterMetadata metadata) {

    public AdapterImage {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(adapterConfig, "adapterConfig");
        Objects.requireNonNull(metadata, "metadata");
        // Sorted, so listings and inspections print in a stable order.
        fileBytes = Collections.unmodifiableSortedMap(new TreeMap<>(fileBytes));
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }

    /** Manifest, config and layer together: what a pull transfers. */
    public long imageBytes() {
        return manifestBytes + configBytes + layerBytes;
    }
}

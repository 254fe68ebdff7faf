package dev.spindle.peft.image;

import java.util.Objects;

/**
 * What a push did.
 *
 * <pre>{@code
 * PushResult r = AdapterImages.client().push(adapterDir, ImageRef.parse("oci-layout:adapters:v1"), false);
 * if (r.outcome() == PushResult.Outcome.UNCHANGED) { ... }   // the same adapter was there already
 * }</pre>
 *
 * @param ref where the adapter was pushed
 * @param digest the image's manifest digest
 * @param outcome whether the tag was created, already held this image, or was moved by force
 * @param imageBytes manifest + config + layer
 * @param adapterBytes the two adapter files, uncompressed
 */
public record PushResult(ImageRef ref, String digest, Outcome outcome, long imageBytes, long adapterBytes) {

    /** What happened to the tag. */
    public enum Outcome {
        /** The tag did not exist and now names the image. */
        PUSHED,
        /** The tag already named this very image: nothing was written. */
        UNCHANGED,
        /** The tag named another image and was moved (only with force). */
        REPLACED
    }

    public PushResult {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(outcome, "outcome");
    }
}

package dev.spindle.spec;

import java.util.regex.Pattern;

/**
 * Where a fine-tuned adapter goes as an OCI image.
 *
 * <pre>{@code
 * AdapterOutputSpec image = new AdapterOutputSpec("myregistry.azurecr.io/adapters/gpt-gpl:v1");
 * }</pre>
 *
 * @param image an OCI reference {@code registry/repository:tag}, or {@code oci-layout:<dir>:<tag>}
 *     for a local OCI layout directory; {@code null} for none
 */
public record AdapterOutputSpec(String image) {

    /** The prefix of a local OCI layout reference. */
    public static final String OCI_LAYOUT_PREFIX = "oci-layout:";

    private static final Pattern REFERENCE = Pattern.compile("[^\\s/:@]+(:\\d+)?(/[^\\s/:@]+)+(:[\\w][\\w.-]{0,127})?");
    private static final Pattern LAYOUT = Pattern.compile("oci-layout:\\S+:[\\w][\\w.-]{0,127}");

    static final String PATH = "spec.output.adapter";

    public AdapterOutputSpec {
        Checks c = new Checks(PATH);
        if (image != null && !(image.startsWith(OCI_LAYOUT_PREFIX) ? LAYOUT : REFERENCE).matcher(image).matches()) {
            c.fail("image", image, "an OCI reference such as registry.example.com/adapters/gpt:v1 or"
                    + " oci-layout:<dir>:<tag>");
        }
        c.throwIfAny();
    }
}

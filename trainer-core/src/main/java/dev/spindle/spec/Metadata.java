package dev.spindle.spec;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The job's name and labels. The name becomes part of Kubernetes resource names and run directories, so
 * it must be a DNS-1123 label; labels are copied onto the job's Kubernetes resources, so they follow
 * Kubernetes label syntax.
 *
 * <pre>{@code
 * Metadata m = new Metadata("tiny-gpt", Map.of("team", "nlp"));
 * }</pre>
 */
public record Metadata(String name, Map<String, String> labels) {

    /** Kubernetes' limit for a DNS-1123 label and for a label name or value. */
    public static final int MAX_NAME_LENGTH = 63;

    static final String PATH = "metadata";

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final String DNS_LABEL_TEXT =
            "a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most "
                    + MAX_NAME_LENGTH + " characters";
    private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern LABEL_PREFIX =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** Kubernetes' limit on a label key's DNS-subdomain prefix. */
    private static final int MAX_PREFIX_LENGTH = 253;

    public Metadata {
        labels = labels == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(labels));
        Checks c = new Checks(PATH);
        if (name != null && name.length() > MAX_NAME_LENGTH) {
            c.fail("name", name, DNS_LABEL_TEXT + " (this has " + name.length() + ")");
        } else {
            c.matches("name", name, DNS_LABEL, DNS_LABEL_TEXT);
        }
        labels.forEach((key, value) -> checkLabel(c, "labels", key, value));
        c.throwIfAny();
    }

    /** The same metadata under another name. */
    public Metadata withName(String newName) {
        return new Metadata(newName, labels);
    }

    /** A label as Kubernetes takes it, reported under {@code mapField} (e.g. {@code labels}, {@code nodeSelector}). */
    static void checkLabel(Checks c, String mapField, String key, String value) {
        String field = mapField + "." + key;
        int slash = key.indexOf('/');
        String prefix = slash < 0 ? null : key.substring(0, slash);
        String name = slash < 0 ? key : key.substring(slash + 1);
        boolean keyOk = name.length() <= MAX_NAME_LENGTH && LABEL_NAME.matcher(name).matches()
                && (prefix == null || prefix.length() <= MAX_PREFIX_LENGTH && LABEL_PREFIX.matcher(prefix).matches());
        if (!keyOk) {
            c.fail(mapField, key, "label keys as Kubernetes takes them: an optional DNS-subdomain prefix and '/', then"
                    + " up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
        }
        if (value == null) {
            c.missing(field, "a label value (a string, possibly empty)");
        } else if (!value.isEmpty() && (value.length() > MAX_NAME_LENGTH || !LABEL_NAME.matcher(value).matches())) {
            c.fail(field, value, "a Kubernetes label value: up to 63 letters, digits, '-', '_' or '.',"
                    + " starting and ending with a letter or digit");
        }
    }
}

package dev.spindle.peft.image;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where an adapter image lives: a tag in a local OCI image layout directory
 * ({@code oci-layout:<dir>:<tag>}) or in an OCI registry ({@code <registry>/<repository>:<tag>}).
 * The tag is the adapter's version; a repository without a tag names all its versions (for listing).
 *
 * <pre>{@code
 * ImageRef local = ImageRef.parse("oci-layout:runs/adapters:v3");
 * ImageRef acr = ImageRef.parse("myacr.azurecr.io/adapters/chat:v3");
 * ImageRef versions = ImageRef.parseRepository("127.0.0.1:5000/adapters/chat");
 * }</pre>
 *
 * @param layoutDir the layout directory, or {@code null} for a registry
 * @param registry the registry host (and port), or {@code null} for a layout
 * @param repository the repository inside the registry, or {@code null} for a layout
 * @param tag the version tag, or {@code null} when the whole repository is meant
 */
public record ImageRef(Path layoutDir, String registry, String repository, String tag) {

    /** The scheme that marks a local OCI image layout. */
    public static final String LAYOUT_SCHEME = "oci-layout:";

    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    private static final Pattern REPOSITORY =
            Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
    private static final String FORMS = "expected oci-layout:<dir>:<tag> or <registry>/<repository>:<tag>,"
            + " e.g. oci-layout:runs/adapters:v1 or myacr.azurecr.io/adapters/chat:v1";

    public ImageRef {
        if ((layoutDir == null) == (registry == null)) {
            throw new IllegalArgumentException("an image ref names either a layout directory or a registry, not "
                    + (layoutDir == null ? "neither" : "both"));
        }
        if (registry != null && (repository == null || !REPOSITORY.matcher(repository).matches())) {
            throw new IllegalArgumentException("repository '" + repository + "' is not valid: use lower-case"
                    + " letters, digits, '.', '_', '-' and '/', e.g. adapters/chat");
        }
        if (tag != null && !TAG.matcher(tag).matches()) {
            throw new IllegalArgumentException("tag '" + tag + "' is not valid: up to 128 letters, digits, '_', '.'"
                    + " and '-', not starting with '.' or '-', e.g. v1");
        }
    }

    /** Parses a ref that must name a version tag (push, pull, inspect). */
    public static ImageRef parse(String text) {
        ImageRef ref = parseRepository(text);
        if (ref.tag == null) {
            throw new IllegalArgumentException("image ref '" + text + "' names no version tag; " + FORMS);
        }
        return ref;
    }

    /** Parses a ref whose tag is optional (list). */
    public static ImageRef parseRepository(String text) {
        Objects.requireNonNull(text, "image ref");
        if (text.startsWith(LAYOUT_SCHEME)) {
            String rest = text.substring(LAYOUT_SCHEME.length());
            int colon = rest.lastIndexOf(':');
            String dir = colon < 0 ? rest : rest.substring(0, colon);
            if (dir.isEmpty()) {
                throw new IllegalArgumentException("image ref '" + text + "' names no layout directory; " + FORMS);
            }
            return new ImageRef(Path.of(dir), null, null, colon < 0 ? null : rest.substring(colon + 1));
        }
        int slash = text.indexOf('/');
        String host = slash < 0 ? "" : text.substring(0, slash);
        // Docker's rule: the first component is a registry only if it looks like a host name.
        if (!(host.contains(".") || host.contains(":") || host.equals("localhost"))) {
            throw new IllegalArgumentException("image ref '" + text + "' names no registry host; " + FORMS);
        }
        String path = text.substring(slash + 1);
        int colon = path.lastIndexOf(':');
        String repository = colon < 0 ? path : path.substring(0, colon);
        return new ImageRef(null, host, repository, colon < 0 ? null : path.substring(colon + 1));
    }

    /** Whether this ref names a local OCI image layout. */
    public boolean isLayout() {
        return layoutDir != null;
    }

    /**
     * Whether the registry is spoken to over plain HTTP: only on the loopback interface, as Docker does
     * for localhost; every other registry is HTTPS.
     */
    public boolean plainHttp() {
        if (registry == null) {
            return false;
        }
        String host = registry.toLowerCase(Locale.ROOT).replaceFirst(":\\d+$", "");
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    }

    /** The same repository at another tag. */
    public ImageRef withTag(String newTag) {
        return new ImageRef(layoutDir, registry, repository, newTag);
    }

    /** The ref as the user writes it. */
    @Override
    public String toString() {
        String base = isLayout() ? LAYOUT_SCHEME + layoutDir : registry + "/" + repository;
        return tag == null ? base : base + ":" + tag;
    }
}

package dev.spindle.peft.image;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import land.oras.ContainerRef;
import land.oras.LayoutRef;
import land.oras.Manifest;
import land.oras.OCILayout;
import land.oras.Registry;
import land.oras.auth.AuthProvider;
import land.oras.exception.OrasException;

/**
 * Blobs, manifests and tags of one repository, in a registry or a local OCI layout, over the ORAS
 * Java SDK (one client library for both destinations). Every ORAS failure becomes an
 * {@link AdapterImageException} that names the destination and keeps the cause.
 */
abstract sealed class ImageStore permits ImageStore.InRegistry, ImageStore.InLayout {

    final ImageRef ref;

    private ImageStore(ImageRef ref) {
        this.ref = ref;
    }

    /** A store to push to: a missing layout directory is created. */
    static ImageStore forWriting(ImageRef ref, AuthProvider auth) {
        return ref.isLayout() ? new InLayout(ref) : new InRegistry(ref, auth);
    }

    /** A store to read from: a missing layout directory is an error, not silently created. */
    static ImageStore forReading(ImageRef ref, AuthProvider auth) {
        if (ref.isLayout() && !Files.isRegularFile(ref.layoutDir().resolve("index.json"))) {
            throw new IllegalArgumentException("no OCI image layout at " + ref.layoutDir()
                    + " (no index.json): push an adapter there first, or check the path");
        }
        return forWriting(ref, auth);
    }

    /** The digest the tag names, or empty if the tag (or the repository) does not exist. */
    final Optional<String> tagDigest(String tag) {
        return call("look up " + ref.withTag(tag), () -> tags().contains(tag)
                ? Optional.of(Digests.sha256(manifest(tag))) : Optional.empty());
    }

    /** Uploads a blob unless the store has it already. */
    abstract void pushBlob(String digest, byte[] bytes);

    /** Writes the manifest's exact bytes and points the tag at it. */
    abstract void pushManifest(String tag, byte[] manifest);

    /** The exact bytes of the manifest the tag names. */
    abstract byte[] manifest(String tag);

    /** A blob's content as a stream (the caller closes it). */
    abstract InputStream blob(String digest);

    /** The repository's tags, sorted; empty if the repository does not exist. */
    abstract List<String> tags();

    final byte[] blobBytes(String digest) {
        try (InputStream in = blob(digest)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AdapterImageException("cannot read blob " + digest + " of " + ref, e);
        }
    }

    /** Runs an ORAS call, turning its failures into one typed exception that says what was being done. */
    final <T> T call(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (OrasException e) {
            // The cause's message is not repeated here: the CLI prints the chain of causes once.
            throw new AdapterImageException("cannot " + what + hint(e), e);
        } catch (UncheckedIOException e) {
            throw new AdapterImageException("cannot " + what, e);
        }
    }

    /** Said when a registry answers 401: ORAS's own words for it ("Invalid WWW-Authenticate header") do not say what to do. */
    static final String CREDENTIALS_HINT = ": the registry refused access (no or wrong credentials); set "
            + RegistryCredentials.USERNAME_VAR + " and " + RegistryCredentials.PASSWORD_VAR
            + ", or log in so the Docker config file holds this registry (docker login, az acr login)";

    /** What the user can act on, where ORAS's message does not say it (a refused login, no connection). */
    final String hint(OrasException e) {
        if (refusedCredentials(e)) {
            return CREDENTIALS_HINT;
        }
        List<Throwable> chain = new java.util.ArrayList<>();
        for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        // Java's HttpClient wraps an unresolvable host in a ConnectException: look for the host first.
        if (chain.stream().anyMatch(t -> t instanceof java.net.UnknownHostException
                || t instanceof java.nio.channels.UnresolvedAddressException)) {
            return ": unknown host " + ref.registry() + "; check the registry name";
        }
        if (chain.stream().anyMatch(t -> t instanceof java.net.ConnectException)) {
            return ": nothing answers at " + ref.registry() + " (connection refused); check the address,"
                    + " or start the registry (.ci/run starts one on 127.0.0.1:5000 for the tests)";
        }
        if (chain.stream().anyMatch(t -> t instanceof java.net.http.HttpTimeoutException)) {
            return ": " + ref.registry() + " did not answer in time";
        }
        return "";
    }

    private static boolean refusedCredentials(OrasException e) {
        String message = String.valueOf(e.getMessage());
        return Integer.valueOf(401).equals(e.getStatusCode()) || message.contains("WWW-Authenticate")
                || message.contains("UNAUTHORIZED");
    }

    static final class InRegistry extends ImageStore {
        private final Registry registry;
        private final ContainerRef repo;

        InRegistry(ImageRef ref, AuthProvider auth) {
            super(ref);
            this.registry = Registry.builder().withAuthProvider(auth).withInsecure(ref.plainHttp()).build();
            this.repo = ContainerRef.parse(ref.registry() + "/" + ref.repository());
        }

        @Override
        void pushBlob(String digest, byte[] bytes) {
            call("upload blob " + digest + " to " + ref, () -> registry.pushBlob(
                    repo.withDigest(digest), bytes.length, () -> new ByteArrayInputStream(bytes), Map.of()));
        }

        @Override
        void pushManifest(String tag, byte[] manifest) {
            // Manifest.fromJson keeps the JSON, and ORAS then sends those bytes unchanged (and adds no
            // time-stamp annotation), so the registry's digest is the one computed here.
            call("push " + ref.withTag(tag), () -> registry.pushManifest(
                    repo.withTag(tag), Manifest.fromJson(new String(manifest, StandardCharsets.US_ASCII))));
        }

        @Override
        byte[] manifest(String tag) {
            return call("read the manifest of " + ref.withTag(tag),
                    () -> registry.getManifest(repo.withTag(tag)).getJson().getBytes(StandardCharsets.UTF_8));
        }

        @Override
        InputStream blob(String digest) {
            return call("read blob " + digest + " of " + ref, () -> registry.fetchBlob(repo.withDigest(digest)));
        }

        @Override
        List<String> tags() {
            try {
                return registry.getTags(repo).tags().stream().sorted().toList();
            } catch (OrasException e) {
                if (e.getStatusCode() != null && e.getStatusCode() == 404) {
                    return List.of();
                }
                throw new AdapterImageException("cannot list the tags of " + ref + hint(e), e);
            }
        }
    }

    static final class InLayout extends ImageStore {
        private final OCILayout layout;

        InLayout(ImageRef ref) {
            super(ref);
            this.layout = call("open the OCI layout " + ref.layoutDir(),
                    () -> OCILayout.builder().defaults(ref.layoutDir()).build());
        }

        private LayoutRef at(String tagOrDigest) {
            LayoutRef root = LayoutRef.of(layout);
            return tagOrDigest.startsWith("sha256:") ? root.withDigest(tagOrDigest) : root.withTag(tagOrDigest);
        }

        @Override
        void pushBlob(String digest, byte[] bytes) {
            call("write blob " + digest + " to " + ref, () -> layout.pushBlob(
                    at(digest), bytes.length, () -> new ByteArrayInputStream(bytes), Map.of()));
        }

        @Override
        void pushManifest(String tag, byte[] manifest) {
            call("write " + ref.withTag(tag), () -> layout.pushManifest(
                    at(tag), Manifest.fromJson(new String(manifest, StandardCharsets.US_ASCII))));
        }

        @Override
        byte[] manifest(String tag) {
            return call("read the manifest of " + ref.withTag(tag), () -> {
                String digest = layout.getManifest(at(tag)).getDescriptor().getDigest();
                return layout.getBlob(at(digest));
            });
        }

        @Override
        InputStream blob(String digest) {
            return call("read blob " + digest + " of " + ref, () -> layout.fetchBlob(at(digest)));
        }

        @Override
        List<String> tags() {
            return call("list the tags of " + ref, () -> layout.getTags(LayoutRef.of(layout)).tags().stream()
                    .distinct().sorted().toList());
        }
    }
}

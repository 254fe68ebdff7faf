package dev.spindle.peft.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.peft.AdapterMetadata;
import dev.spindle.peft.AdapterMetadataJson;
import java.io.IOException;
import java.io.ByteArrayInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import land.oras.auth.AuthProvider;

/**
 * Adapter versions as OCI images: push an adapter directory to a local OCI layout or a registry, pull
 * it back, list a repository's versions with their lineage, inspect one, diff two.
 *
 * <pre>{@code
 * AdapterImages images = AdapterImages.client();   // credentials from the environment / Docker config
 * images.push(Path.of("runs/chat/adapter"), ImageRef.parse("oci-layout:adapters:v1"), false);
 * images.pull(ImageRef.parse("oci-layout:adapters:v1"), Path.of("/tmp/v1"));
 * }</pre>
 *
 * <p>An image is reproducible: the same adapter files and metadata give the same digest, so pushing a
 * version twice is a no-op, and pushing different content under an existing tag is refused with a
 * {@link TagConflictException} unless forced. Adapters are held in memory while they are packed or
 * read: LoRA adapters are megabytes, not gigabytes.
 */
public final class AdapterImages {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AuthProvider auth;

    private AdapterImages(AuthProvider auth) {
        this.auth = auth;
    }

    /** A client whose registry credentials come from this process's environment (see docs/adapters.md). */
    public static AdapterImages client() {
        return client(System.getenv());
    }

    /** A client whose registry credentials come from {@code env} (for embedding and tests). */
    public static AdapterImages client(Map<String, String> env) {
        return new AdapterImages(RegistryCredentials.resolve(env, Path.of(System.getProperty("user.home"))));
    }

    /** The image of an adapter directory, built in memory: layer, config, manifest and their digests. */
    record Built(AdapterLayer.Blob layer, byte[] config, byte[] manifest, String digest, long adapterBytes) {}

    /** Builds the image of {@code adapterDir} without storing it. */
    static Built build(Path adapterDir) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        long adapterBytes = 0;
        for (String name : AdapterLayer.FILES) {
            Path file = adapterDir.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("no " + name + " in " + adapterDir + ": an adapter directory holds "
                        + String.join(", ", AdapterLayer.FILES) + " and " + AdapterMetadata.FILE_NAME);
            }
            try {
                files.put(name, Files.readAllBytes(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            adapterBytes += files.get(name).length;
        }
        AdapterMetadata metadata = AdapterMetadataJson.read(adapterDir);
        Map<String, String> labels = AdapterLabels.of(metadata);
        AdapterLayer.Blob layer = AdapterLayer.write(files);
        byte[] config = ImageDocuments.config(labels, metadata.createdAt().toString(), layer.diffId());
        byte[] manifest = ImageDocuments.manifest(
                new ImageDocuments.Descriptor(ImageDocuments.CONFIG_MEDIA_TYPE, Digests.sha256(config), config.length),
                new ImageDocuments.Descriptor(ImageDocuments.LAYER_MEDIA_TYPE, layer.digest(), layer.bytes().length),
                AdapterLabels.annotations(labels));
        return new Built(layer, config, manifest, Digests.sha256(manifest), adapterBytes);
    }

    /**
     * Pushes the adapter in {@code adapterDir} as {@code ref}'s tag.
     *
     * @param force move the tag even if it names a different adapter
     * @throws TagConflictException if the tag names a different adapter and {@code force} is false
     * @throws AdapterImageException if the registry or layout fails
     */
    public PushResult push(Path adapterDir, ImageRef ref, boolean force) {
        requireTag(ref);
        Built image = build(adapterDir);
        long imageBytes = image.manifest().length + image.config().length + image.layer().bytes().length;
        ImageStore store = ImageStore.forWriting(ref, auth);
        Optional<String> existing = store.tagDigest(ref.tag());
        if (existing.isPresent() && existing.get().equals(image.digest())) {
            return new PushResult(ref, image.digest(), PushResult.Outcome.UNCHANGED, imageBytes, image.adapterBytes());
        }
        if (existing.isPresent() && !force) {
            throw new TagConflictException(ref, existing.get(), image.digest());
        }
        store.pushBlob(image.layer().digest(), image.layer().bytes());
        store.pushBlob(Digests.sha256(image.config()), image.config());
        store.pushManifest(ref.tag(), image.manifest());
        return new PushResult(ref, image.digest(),
                existing.isPresent() ? PushResult.Outcome.REPLACED : PushResult.Outcome.PUSHED,
                imageBytes, image.adapterBytes());
    }

    /**
     * Writes the adapter {@code ref} names into {@code outDir} (created; it must not hold an adapter
     * already): the two adapter files, byte for byte, and {@code spindle-adapter.json} rebuilt from the labels.
     */
    public AdapterImage pull(ImageRef ref, Path outDir) {
        requireTag(ref);
        for (String name : Stream.concat(AdapterLayer.FILES.stream(), Stream.of(AdapterMetadata.FILE_NAME)).toList()) {
            if (Files.exists(outDir.resolve(name))) {
                throw new IllegalArgumentException(outDir + " already holds " + name
                        + ": pull into a new or empty directory");
            }
        }
        Loaded loaded = loadVersion(ref);
        try {
            Files.createDirectories(outDir);
            for (Map.Entry<String, byte[]> file : loaded.files().entrySet()) {
                Files.write(outDir.resolve(file.getKey()), file.getValue());
            }
        } catch (IOException e) {
            throw new AdapterImageException("cannot write the adapter into " + outDir, e);
        }
        AdapterMetadataJson.write(outDir, loaded.image().metadata());
        return loaded.image();
    }

    /** The manifest, config, sizes and labels of one version. */
    public AdapterImage inspect(ImageRef ref) {
        requireTag(ref);
        return loadVersion(ref).image();
    }

    /** Every version (tag) of the repository {@code repo} names, sorted by tag; its tag, if any, is ignored. */
    public List<AdapterImage> list(ImageRef repo) {
        ImageStore store = ImageStore.forReading(repo, auth);
        List<AdapterImage> versions = new ArrayList<>();
        for (String tag : store.tags()) {
            versions.add(load(store, tag).image());
        }
        return versions;
    }

    /** Compares two versions: config fields, metrics, and per-tensor L2 norms of the weights. */
    public AdapterDiff diff(ImageRef a, ImageRef b) {
        requireTag(a);
        requireTag(b);
        Loaded x = loadVersion(a);
        Loaded y = loadVersion(b);
        List<AdapterDiff.Field> fields = new ArrayList<>();
        JsonNode cx = json(x.image().adapterConfig(), a);
        JsonNode cy = json(y.image().adapterConfig(), b);
        TreeSet<String> names = new TreeSet<>();
        cx.fieldNames().forEachRemaining(names::add);
        cy.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            JsonNode vx = cx.get(name);
            JsonNode vy = cy.get(name);
            if (vx == null || !vx.equals(vy)) {
                fields.add(new AdapterDiff.Field(name, vx == null ? null : vx.toString(), vy == null ? null : vy.toString()));
            }
        }
        List<AdapterDiff.Metric> metrics = new ArrayList<>();
        TreeSet<String> metricNames = new TreeSet<>(x.image().metadata().metrics().keySet());
        metricNames.addAll(y.image().metadata().metrics().keySet());
        for (String name : metricNames) {
            metrics.add(new AdapterDiff.Metric(name,
                    x.image().metadata().metrics().get(name), y.image().metadata().metrics().get(name)));
        }
        List<AdapterDiff.Tensor> tensors = WeightNorms.compare(
                x.files().get(AdapterLayer.MODEL_FILE), y.files().get(AdapterLayer.MODEL_FILE));
        return new AdapterDiff(x.image(), y.image(), fields, metrics, tensors);
    }

    private record Loaded(AdapterImage image, Map<String, byte[]> files) {}

    /** Loads the version {@code ref} names; a tag that does not exist is bad input, named with the ones that do. */
    private Loaded loadVersion(ImageRef ref) {
        ImageStore store = ImageStore.forReading(ref, auth);
        List<String> tags = store.tags();
        if (!tags.contains(ref.tag())) {
            throw new IllegalArgumentException(ref + ": no such version; the repository holds "
                    + (tags.isEmpty() ? "none" : String.join(", ", tags)));
        }
        return load(store, ref.tag());
    }

    private static Loaded load(ImageStore store, String tag) {
        ImageRef ref = store.ref.withTag(tag);
        byte[] manifestBytes = store.manifest(tag);
        ImageDocuments.Manifest manifest = ImageDocuments.readManifest(manifestBytes, ref);
        byte[] config = verified(store, manifest.config(), ref);
        byte[] layer = verified(store, manifest.layer(), ref);
        Map<String, String> labels = ImageDocuments.readLabels(config, ref);
        Map<String, byte[]> files = AdapterLayer.read(new ByteArrayInputStream(layer));
        Map<String, Long> sizes = new TreeMap<>();
        files.forEach((name, bytes) -> sizes.put(name, (long) bytes.length));
        AdapterImage image = new AdapterImage(ref, Digests.sha256(manifestBytes), manifestBytes.length, config.length,
                layer.length, sizes, new String(files.get(AdapterLayer.CONFIG_FILE), StandardCharsets.UTF_8),
                labels, AdapterLabels.metadata(labels));
        return new Loaded(image, files);
    }

    /** A blob's bytes, checked against the digest the manifest names (a registry or disk could corrupt it). */
    private static byte[] verified(ImageStore store, ImageDocuments.Descriptor d, ImageRef ref) {
        byte[] bytes = store.blobBytes(d.digest());
        String actual = Digests.sha256(bytes);
        if (!actual.equals(d.digest())) {
            throw new AdapterImageException("blob " + d.digest() + " of " + ref + " is damaged: its content has digest "
                    + actual + "; push the adapter again");
        }
        return bytes;
    }

    private static JsonNode json(String text, ImageRef ref) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AdapterImageException("adapter_config.json of " + ref + " is not valid JSON", e);
        }
    }

    private static void requireTag(ImageRef ref) {
        if (ref.tag() == null) {
            throw new IllegalArgumentException("image ref '" + ref + "' names no version tag: add ':<tag>', e.g. " + ref + ":v1");
        }
    }
}

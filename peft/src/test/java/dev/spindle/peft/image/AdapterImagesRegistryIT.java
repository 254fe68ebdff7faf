package dev.spindle.peft.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adapter images against a real OCI registry (CNCF distribution on 127.0.0.1:5000, started by
 * {@code .ci/run}), checked with plain HTTP and with skopeo, and a local layout checked with skopeo.
 */
class AdapterImagesRegistryIT {

    static final String REGISTRY = "127.0.0.1:5000";
    /** A registry with basic auth; {@code .ci/run} creates this user. */
    static final String AUTH_REGISTRY = "127.0.0.1:5001";
    static final String USER = "spindle-ci";
    static final String PASSWORD = "spindle-ci-password";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path tmp;

    private final AdapterImages images = AdapterImages.client(Map.of());
    private final String repository = "spindle-it/chat-" + Long.toHexString(System.nanoTime());

    @BeforeAll
    static void registriesAreRunning() {
        for (String registry : List.of(REGISTRY, AUTH_REGISTRY)) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + registry + "/v2/")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(registry.equals(REGISTRY) ? 200 : 401, r.statusCode(), "GET /v2/ on " + registry);
            } catch (IOException | InterruptedException e) {
                fail("no OCI registry on " + registry + " (" + e + "): run the tests through .ci/run, which installs"
                        + " Debian's docker-registry and serves it there (5001 with basic auth), or start them the same way");
            }
        }
    }

    @Test
    void authenticatedRegistryTakesEnvironmentCredentials() throws Exception {
        ImageRef ref = ImageRef.parse(AUTH_REGISTRY + "/" + repository + ":v1");
        Path a = TestAdapters.write(tmp.resolve("a"), 1, 4, TestAdapters.metadata(null, 2.0));
        AdapterImages withEnv = AdapterImages.client(Map.of(
                RegistryCredentials.USERNAME_VAR, USER, RegistryCredentials.PASSWORD_VAR, PASSWORD));
        PushResult pushed = withEnv.push(a, ref, false);
        assertEquals(PushResult.Outcome.PUSHED, pushed.outcome());
        assertEquals(pushed.digest(), withEnv.inspect(ref).digest());
        assertFalse(pushed.toString().contains(PASSWORD));

        AdapterImageException anonymous = assertThrows(AdapterImageException.class, () -> images.inspect(ref));
        assertTrue(anonymous.getMessage().endsWith(ImageStore.CREDENTIALS_HINT), chain(anonymous));
        AdapterImages wrong = AdapterImages.client(Map.of(
                RegistryCredentials.USERNAME_VAR, USER, RegistryCredentials.PASSWORD_VAR, "wrong-" + PASSWORD));
        AdapterImageException refused = assertThrows(AdapterImageException.class, () -> wrong.push(a, ref.withTag("v2"), false));
        assertTrue(refused.getMessage().endsWith(ImageStore.CREDENTIALS_HINT), chain(refused));
        java.io.StringWriter trace = new java.io.StringWriter();
        refused.printStackTrace(new java.io.PrintWriter(trace));
        assertFalse(trace.toString().contains(PASSWORD), trace.toString());
    }

    @Test
    void authenticatedRegistryTakesDockerConfigCredentials() throws Exception {
        Path docker = java.nio.file.Files.createDirectories(tmp.resolve("docker"));
        String auth = java.util.Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        java.nio.file.Files.writeString(docker.resolve("config.json"),
                "{\"auths\":{\"" + AUTH_REGISTRY + "\":{\"auth\":\"" + auth + "\"}}}");
        AdapterImages withConfig = AdapterImages.client(Map.of(RegistryCredentials.DOCKER_CONFIG_VAR, docker.toString()));
        ImageRef ref = ImageRef.parse(AUTH_REGISTRY + "/" + repository + ":v1");
        Path a = TestAdapters.write(tmp.resolve("a"), 3, 4, TestAdapters.metadata(null, 2.0));
        assertEquals(PushResult.Outcome.PUSHED, withConfig.push(a, ref, false).outcome());
        Path out = tmp.resolve("pulled");
        withConfig.pull(ref, out);
        assertEquals(TestAdapters.sha256(a.resolve("adapter_model.safetensors")),
                TestAdapters.sha256(out.resolve("adapter_model.safetensors")));
    }

    private static String chain(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            text.append(t.getMessage()).append(" | ");
        }
        return text.toString();
    }

    @Test
    void pushListPullRoundTripInARegistry() throws Exception {
        ImageRef repo = ImageRef.parseRepository(REGISTRY + "/" + repository);
        Path v1 = TestAdapters.write(tmp.resolve("v1"), 1, 4, TestAdapters.metadata(null, 2.0));
        Path v2 = TestAdapters.write(tmp.resolve("v2"), 2, 4, TestAdapters.metadata("v1", 1.5));
        PushResult p1 = images.push(v1, repo.withTag("v1"), false);
        PushResult p2 = images.push(v2, repo.withTag("v2"), false);
        assertEquals(PushResult.Outcome.PUSHED, p2.outcome());
        assertEquals(AdapterImages.build(v2).digest(), p2.digest(), "the registry stores the bytes Spindle built");

        List<AdapterImage> versions = images.list(repo);
        assertEquals(List.of("v1", "v2"), versions.stream().map(v -> v.ref().tag()).toList());
        assertEquals("v1", versions.get(1).metadata().parentVersion());
        assertEquals(p1.digest(), versions.get(0).digest());

        Path out = tmp.resolve("pulled");
        images.pull(repo.withTag("v2"), out);
        for (String name : List.of("adapter_config.json", "adapter_model.safetensors")) {
            assertEquals(TestAdapters.sha256(v2.resolve(name)), TestAdapters.sha256(out.resolve(name)), name);
        }

        HttpResponse<String> manifest = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://" + REGISTRY + "/v2/" + repository + "/manifests/v2"))
                .header("Accept", ImageDocuments.MANIFEST_MEDIA_TYPE).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, manifest.statusCode());
        assertEquals(p2.digest(), manifest.headers().firstValue("Docker-Content-Digest").orElseThrow());
        assertEquals("v1", JSON.readTree(manifest.body()).path("annotations").path(AdapterLabels.PARENT).asText());

        JsonNode skopeo = skopeoInspect("--tls-verify=false", "docker://" + REGISTRY + "/" + repository + ":v2");
        assertEquals(p2.digest(), skopeo.path("Digest").asText());
        assertEquals("sha256:" + "b".repeat(64), skopeo.path("Labels").path(AdapterLabels.BASE_MODEL_DIGEST).asText());
        assertEquals(1, skopeo.path("Layers").size());
    }

    @Test
    void registryPushIsIdempotentAndRefusesAnotherAdapterUnderTheTag() throws Exception {
        ImageRef ref = ImageRef.parse(REGISTRY + "/" + repository + ":v1");
        Path a = TestAdapters.write(tmp.resolve("a"), 1, 4, TestAdapters.metadata(null, 2.0));
        Path b = TestAdapters.write(tmp.resolve("b"), 2, 4, TestAdapters.metadata(null, 2.0));
        PushResult first = images.push(a, ref, false);
        assertEquals(PushResult.Outcome.UNCHANGED, images.push(a, ref, false).outcome());
        TagConflictException e = assertThrows(TagConflictException.class, () -> images.push(b, ref, false));
        assertEquals(first.digest(), e.existingDigest());
        assertEquals(first.digest(), images.inspect(ref).digest());
        PushResult forced = images.push(b, ref, true);
        assertEquals(PushResult.Outcome.REPLACED, forced.outcome());
        assertEquals(forced.digest(), images.inspect(ref).digest());
    }

    @Test
    void layoutIsReadableBySkopeo() throws Exception {
        Path layout = tmp.resolve("layout");
        Path a = TestAdapters.write(tmp.resolve("a"), 1, 4, TestAdapters.metadata("v0", 2.0));
        PushResult pushed = images.push(a, ImageRef.parse("oci-layout:" + layout + ":v1"), false);
        JsonNode skopeo = skopeoInspect("oci:" + layout + ":v1");
        assertEquals(pushed.digest(), skopeo.path("Digest").asText());
        assertEquals("v0", skopeo.path("Labels").path(AdapterLabels.PARENT).asText());
        assertEquals("2.0", skopeo.path("Labels").path(AdapterLabels.METRIC_PREFIX + "loss").asText());
    }

    @Test
    void measuresPushAndPullTimes() throws Exception {
        // A LoRA adapter of realistic size: rank 8 on qkv and proj of a 12-layer, 768-wide model, 1.8 MB.
        Path adapter = TestAdapters.writeSized(tmp.resolve("big"), 7, 12, 768, 8, TestAdapters.metadata(null, 1.0));
        // Three rounds per destination, each to a new tag: the first includes class loading and
        // connection set-up, the later ones are the steady state of a long-lived process.
        for (int round = 0; round < 3; round++) {
            for (ImageRef ref : List.of(ImageRef.parse(REGISTRY + "/" + repository + ":big" + round),
                    ImageRef.parse("oci-layout:" + tmp.resolve("layout") + ":big" + round))) {
                long t0 = System.nanoTime();
                PushResult pushed = images.push(adapter, ref, false);
                long t1 = System.nanoTime();
                images.pull(ref, tmp.resolve("pulled-" + round + (ref.isLayout() ? "-layout" : "-registry")));
                long t2 = System.nanoTime();
                System.out.printf("adapter-image %s round %d: adapter %d B, image %d B, push %d ms, pull %d ms%n",
                        ref.isLayout() ? "layout" : "registry", round, pushed.adapterBytes(), pushed.imageBytes(),
                        TimeUnit.NANOSECONDS.toMillis(t1 - t0), TimeUnit.NANOSECONDS.toMillis(t2 - t1));
                assertTrue(t2 - t0 < TimeUnit.SECONDS.toNanos(30), "push and pull of 1.8 MB took over 30 s");
            }
        }
    }

    private static JsonNode skopeoInspect(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("skopeo", "inspect"));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(false).start();
        } catch (IOException e) {
            throw new AssertionError("skopeo is not installed: .ci/run installs it (apt-get install skopeo)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "skopeo timed out");
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + err);
        return JSON.readTree(out);
    }
}

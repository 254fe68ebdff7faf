package dev.spindle.launcher.kube.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.spindle.spec.JobSpec;
import dev.spindle.spec.SpecReader;
import dev.spindle.spec.SpecWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code kubectl kustomize manifests/jobs/<type>} and {@code spindle render} of the same job give the same
 * objects, field by field: the Kustomize files and the Java renderer cannot drift apart. Runs the kubectl
 * the tests use (v1.20.2, kustomize v2.0.3, from {@code .ci/kube-binaries}); without one it fails.
 */
class KustomizeConsistencyTest {

    private static final String KUBECTL_ENV = "SPINDLE_TEST_KUBECTL";
    private static final Path MANIFESTS = Path.of("../manifests");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "manifests/jobs/{0} = spindle render {1}")
    @CsvSource({"train, ../examples/aks/gpt-train.yaml", "fine-tune, ../examples/aks/gpt-lora.yaml"})
    void kustomizeAndRenderGiveTheSameObjects(String jobType, String example) throws Exception {
        Path copy = copyManifests();
        // The secret files a user makes once per job (the folder's .gitignore keeps them out of git).
        ClusterSecret.generate().write(copy.resolve("jobs").resolve(jobType).resolve("secret"));
        Map<String, ObjectNode> kustomized = byKindAndName(kubectlKustomize(copy.resolve("jobs").resolve(jobType)));
        JobSpec job = SpecReader.read(Path.of(example), List.of());
        Map<String, ObjectNode> rendered = byKindAndName(Kustomization.parseAll(
                JobResources.toYaml(JobResources.render(job, RenderOptions.defaults(null))), "spindle render"));

        assertEquals(rendered.keySet(), kustomized.keySet(), "the same objects");
        String root = "ConfigMap/" + JobNames.root(job.metadata().name());
        // job.yaml: kustomize copies the file as written, spindle writes the resolved spec; both must read
        // back as the example job (which also checks that jobs/<type>/job.yaml is the example).
        assertEquals(job, SpecReader.read(removeData(kustomized.get(root), JobNames.KEY_JOB), List.of()));
        assertEquals(job, SpecReader.read(removeData(rendered.get(root), JobNames.KEY_JOB), List.of()));
        // The spec digest: kustomize cannot compute one; spindle submit uses it to see a changed spec.
        ObjectNode annotations = (ObjectNode) rendered.get(root).path("metadata").path("annotations");
        assertEquals(SpecWriter.digest(job), annotations.remove(JobNames.ANNOTATION_SPEC_DIGEST).asString());
        // The Secret's data: kustomize holds the files made above; spindle render prints none.
        String secret = "Secret/" + JobNames.secret(job.metadata().name());
        assertTrue(kustomized.get(secret).path("data").has(JobNames.KEY_SECRET), "kustomize read the secret files");
        ((ObjectNode) kustomized.get(secret)).remove("data");
        ((ObjectNode) rendered.get(secret)).remove("data");
        for (ObjectNode o : rendered.values()) {
            // The namespace: render takes spec.kubernetes.namespace; with kubectl it is `apply -k -n <ns>`.
            ((ObjectNode) o.path("metadata")).remove("namespace");
        }
        List<String> differences = new ArrayList<>();
        for (String key : rendered.keySet()) {
            diff(key, kustomized.get(key), rendered.get(key), differences);
        }
        assertEquals(List.of(), differences, "kubectl kustomize vs spindle render (path: kustomize | render)");
    }

    /** The kubectl of .ci/kube-binaries: SPINDLE_TEST_KUBECTL, the build cache, else kubectl on PATH. */
    static Path kubectl() {
        String fromEnv = System.getenv(KUBECTL_ENV);
        List<Path> candidates = new ArrayList<>();
        if (fromEnv != null && !fromEnv.isBlank()) {
            candidates.add(Path.of(fromEnv));
        }
        candidates.add(Path.of(System.getProperty("user.home"), ".cache", "spindle", "kube", "bin", "kubectl"));
        for (String entry : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!entry.isEmpty()) {
                candidates.add(Path.of(entry, "kubectl"));
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst().orElseThrow(() -> new AssertionError(
                "no kubectl to compare manifests/ with: run .ci/kube-binaries (builds kubectl v1.20.2 into"
                        + " ~/.cache/spindle/kube/bin) or set " + KUBECTL_ENV + "; looked at " + candidates));
    }

    private static List<JsonNode> kubectlKustomize(Path kustomization) throws IOException, InterruptedException {
        Path kubectl = kubectl();
        Path out = Files.createTempFile("kustomize", ".yaml");
        Path err = Files.createTempFile("kustomize", ".err");
        try {
            Process p = new ProcessBuilder(kubectl.toString(), "kustomize", kustomization.toString())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(kubectl + " kustomize " + kustomization + " did not finish in 120 s");
            }
            if (p.exitValue() != 0) {
                fail(kubectl + " kustomize " + kustomization + " failed (" + p.exitValue() + "): "
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return Kustomization.parseAll(Files.readString(out, StandardCharsets.UTF_8), "kubectl kustomize");
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** manifests/ in a temporary folder, so that the secret files made for kustomize never land in the tree. */
    private Path copyManifests() throws IOException {
        Path copy = dir.resolve("manifests");
        try (Stream<Path> files = Files.walk(MANIFESTS)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = copy.resolve(MANIFESTS.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else if (!Set.of(JobNames.KEY_SECRET, JobNames.KEY_TLS_STORE)
                        .contains(source.getFileName().toString())) {
                    Files.copy(source, target);
                }
            }
        }
        return copy;
    }

    private static Map<String, ObjectNode> byKindAndName(List<JsonNode> docs) {
        Map<String, ObjectNode> out = new TreeMap<>();
        for (JsonNode doc : docs) {
            String key = doc.path("kind").asString() + "/" + doc.path("metadata").path("name").asString();
            if (out.put(key, (ObjectNode) doc) != null) {
                fail("two objects " + key);
            }
        }
        return out;
    }

    private static String removeData(ObjectNode object, String key) {
        return ((ObjectNode) object.path("data")).remove(key).asString();
    }

    /** Every path where the two trees differ; maps compare by key, lists element by element. */
    private static void diff(String path, JsonNode kustomize, JsonNode render, List<String> out) {
        if (kustomize != null && render != null && kustomize.isObject() && render.isObject()) {
            Set<String> keys = new TreeSet<>(kustomize.propertyNames());
            keys.addAll(render.propertyNames());
            for (String key : keys) {
                diff(path + "." + key, kustomize.get(key), render.get(key), out);
            }
        } else if (kustomize != null && render != null && kustomize.isArray() && render.isArray()
                && kustomize.size() == render.size()) {
            for (int i = 0; i < kustomize.size(); i++) {
                diff(path + "[" + i + "]", kustomize.get(i), render.get(i), out);
            }
        } else if (kustomize == null || !kustomize.equals(render)) {
            out.add(path + ": " + kustomize + " | " + render);
        }
    }
}

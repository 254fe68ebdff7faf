package dev.spindle.launcher.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.launcher.kube.render.ClusterSecret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubectl apply -k DIR --dry-run=server} of every overlay and job kustomization in {@code manifests/},
 * against the real kube-apiserver: the server validates and defaults every object (admission included) and
 * stores nothing. The job kustomizations get a generated cluster secret, as their README says to make one.
 * v1.20 serves PodDisruptionBudget only as policy/v1beta1, so on such a server the copy tested here says
 * v1beta1 where the manifests say policy/v1 (what AKS, 1.30+, serves); on a newer server nothing is changed.
 */
class ManifestsDryRunIT {

    /** The objects of one job: 2 ConfigMaps, Secret, 2 ServiceAccounts, Role, RoleBinding, Service, 2 Jobs,
     *  NetworkPolicy, PodDisruptionBudget. */
    private static final int OBJECTS = 12;

    @TempDir
    Path copy;

    @Test
    void everyOverlayAndJobPassesServerSideDryRun() throws Exception {
        Path manifests = Path.of("..", "manifests").toAbsolutePath().normalize();
        assertTrue(Files.isDirectory(manifests.resolve("base")), "run from the launcher module: " + manifests);
        copyTree(manifests, copy);
        try (LocalKube kube = LocalKube.start("spindle-manifests")) {
            if (!kube.admin.supports("policy/v1", "PodDisruptionBudget")) {
                useV1beta1PodDisruptionBudgets(copy);
            }
            List<Path> kustomizations = new ArrayList<>();
            for (String group : List.of("overlays", "jobs")) {
                try (Stream<Path> dirs = Files.list(copy.resolve(group))) {
                    dirs.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml"))).sorted().forEach(kustomizations::add);
                }
            }
            assertTrue(kustomizations.size() >= 4, "two overlays and two jobs at least: " + kustomizations);
            for (Path dir : kustomizations) {
                if (dir.getParent().getFileName().toString().equals("jobs")) {
                    ClusterSecret.generate().write(dir.resolve("secret"));
                }
                String output = kubectl(kube, "apply", "-k", dir.toString(), "--dry-run=server", "-n", kube.namespace);
                long objects = output.lines().filter(l -> l.endsWith("(server dry run)")).count();
                assertEquals(OBJECTS, objects, copy.relativize(dir) + ":\n" + output);
            }
            assertTrue(kube.admin.configMaps().inNamespace(kube.namespace).withLabel("spindle.dev/job").list().getItems()
                    .isEmpty(), "a dry run stores nothing");
        }
    }

    private static String kubectl(LocalKube kube, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(LocalKube.kubectl().toString(), "--kubeconfig",
                kube.kubeconfig.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "kubectl did not finish: " + command);
        assertEquals(0, p.exitValue(), String.join(" ", command) + "\n" + output);
        return output;
    }

    /** policy/v1 → policy/v1beta1 in the base and in the patch targets of the copy (same fields in both). */
    private static void useV1beta1PodDisruptionBudgets(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                String text = Files.readString(f, StandardCharsets.UTF_8);
                String changed = text.replace("apiVersion: policy/v1\n", "apiVersion: policy/v1beta1\n")
                        .replaceAll("(group: policy\\n\\s+version: )v1\\n", "$1v1beta1\n");
                if (!changed.equals(text)) {
                    Files.writeString(f, changed, StandardCharsets.UTF_8);
                }
            }
        }
        assertFalse(Files.readString(root.resolve("base/poddisruptionbudget.yaml")).contains("policy/v1\n"));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else if (!f.getFileName().toString().equals("job.secret")
                        && !f.getFileName().toString().equals("job-tls.p12")) {  // never a local secret
                    Files.copy(f, target);
                }
            }
        }
    }
}

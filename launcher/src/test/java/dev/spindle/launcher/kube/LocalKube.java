package dev.spindle.launcher.kube;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The real kube-apiserver (v1.20.2, with etcd and kube-controller-manager) that {@code .ci/kube-up} starts on
 * 127.0.0.1: its admin kubeconfig and kubectl, from {@code SPINDLE_TEST_KUBECONFIG} and
 * {@code SPINDLE_TEST_KUBECTL} (failsafe sets both). Each test gets a namespace of its own and deletes it.
 * Public for the end-to-end test in {@code kube.pod}.
 */
public final class LocalKube implements AutoCloseable {

    private static final Path CACHE = Path.of(System.getProperty("user.home"), ".cache", "spindle", "kube");

    final Path kubeconfig;
    public final String namespace;
    public final KubernetesClient admin;

    private LocalKube(Path kubeconfig, String namespace, KubernetesClient admin) {
        this.kubeconfig = kubeconfig;
        this.namespace = namespace;
        this.admin = admin;
    }

    /** The admin kubeconfig; an {@link AssertionError} naming {@code .ci/kube-up} when the server is not there. */
    public static Path kubeconfig() {
        Path file = path("SPINDLE_TEST_KUBECONFIG", CACHE.resolve("run/kubeconfig"));
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("no local kube-apiserver: " + file + " is missing; start one with .ci/kube-up"
                    + " (or set SPINDLE_TEST_KUBECONFIG)");
        }
        return file;
    }

    /** kubectl v1.20.2, built beside the API server. */
    static Path kubectl() {
        Path file = path("SPINDLE_TEST_KUBECTL", CACHE.resolve("bin/kubectl"));
        if (!Files.isExecutable(file)) {
            throw new AssertionError("no kubectl at " + file + "; build it with .ci/kube-up (or set SPINDLE_TEST_KUBECTL)");
        }
        return file;
    }

    /** Connects as admin and creates a fresh namespace {@code prefix-<random>}. */
    public static LocalKube start(String prefix) {
        Path kubeconfig = kubeconfig();
        KubernetesClient admin = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig.toFile())).build();
        String namespace = prefix + "-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36)
                .toLowerCase(Locale.ROOT);
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
                .create();
        return new LocalKube(kubeconfig, namespace, admin);
    }

    /** The launcher's view, as {@code spindle ... --kubeconfig K -n NS} has it, applying server-side. */
    public KubeJobs jobs(Path records) {
        return KubeJobs.connect(target(), new JobRecords(records));
    }

    /** The launcher on a client of the test's making (e.g. impersonating someone). */
    KubeJobs jobs(KubernetesClient client, Path records) {
        return new KubeJobs(client, Optional.of(namespace), Applier.serverSide(), new JobRecords(records),
                new java.util.concurrent.atomic.AtomicLong());
    }

    KubeTarget target() {
        return new KubeTarget(Optional.of(kubeconfig), Optional.empty(), Optional.of(namespace));
    }

    /** A client acting as {@code user} (the admin may impersonate anyone), e.g. a service account. */
    KubernetesClient as(String user) {
        Config config = new ConfigBuilder(Config.fromKubeconfig(kubeconfig.toFile())).withImpersonateUsername(user).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    @Override
    public void close() {
        try {
            admin.namespaces().withName(namespace).delete();
        } finally {
            admin.close();
        }
    }

    private static Path path(String variable, Path fallback) {
        String value = System.getenv(variable);
        return value == null || value.isBlank() ? fallback : Path.of(value);
    }
}

package dev.spindle.launcher.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which Kubernetes cluster and namespace to talk to. Every part is optional: without a kubeconfig
 * path, fabric8's usual resolution applies ({@code KUBECONFIG}, {@code ~/.kube/config}, or the pod's
 * service account when running in a cluster); without a context, the kubeconfig's current one; without a
 * namespace, the job spec's {@code spec.kubernetes.namespace} (for submit) or the context's namespace.
 *
 * <pre>{@code
 * KubeTarget aks = KubeTarget.DEFAULT.withContext("aks-train").withNamespace("ml-training");
 * try (KubeJobs jobs = KubeJobs.connect(aks)) {
 *     System.out.println(jobs.status("gpt-tiny").phase());
 * }
 * }</pre>
 *
 * @param kubeconfig a kubeconfig file, or empty for fabric8's default resolution
 * @param context a context of that kubeconfig, or empty for its current context
 * @param namespace the namespace, or empty for the spec's or the context's
 */
public record KubeTarget(Optional<Path> kubeconfig, Optional<String> context, Optional<String> namespace) {

    /** The current context of the default kubeconfig (or the in-cluster service account). */
    public static final KubeTarget DEFAULT = new KubeTarget(Optional.empty(), Optional.empty(), Optional.empty());

    /** Retries of a request that failed to connect: enough for a blip, few enough that "unreachable" is quick. */
    static final int REQUEST_RETRIES = 1;

    /** Connection time-out (ms): an API server that does not answer within it is reported unreachable. */
    static final int CONNECT_TIMEOUT_MS = 5_000;

    public KubeTarget {
        Objects.requireNonNull(kubeconfig, "kubeconfig");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(namespace, "namespace");
        namespace.ifPresent(KubeTarget::checkNamespace);
    }

    /** The same target with another kubeconfig file. */
    public KubeTarget withKubeconfig(Path file) {
        return new KubeTarget(Optional.of(file), context, namespace);
    }

    /** The same target with another kubeconfig context. */
    public KubeTarget withContext(String name) {
        return new KubeTarget(kubeconfig, Optional.of(name), namespace);
    }

    /** The same target in another namespace. */
    public KubeTarget withNamespace(String name) {
        return new KubeTarget(kubeconfig, context, Optional.of(name));
    }

    /**
     * The fabric8 configuration this target names, with short connect time-outs and retries so that an
     * unreachable API server is reported in seconds.
     *
     * @throws KubeException if the kubeconfig file is missing or names no such context
     */
    Config config() {
        Config base;
        if (kubeconfig.isPresent()) {
            Path file = kubeconfig.get();
            if (!Files.isRegularFile(file)) {
                throw new KubeException("kubeconfig " + file + " does not exist or is not a file;"
                        + " pass --kubeconfig with an existing file, or leave it out for ~/.kube/config");
            }
            try {
                base = Config.fromKubeconfig(context.orElse(null), file.toFile());
            } catch (RuntimeException e) {
                throw new KubeException("cannot read kubeconfig " + file + context.map(c -> " (context " + c + ")")
                        .orElse("") + ": " + e.getMessage(), e);
            }
        } else {
            if (!configured()) {
                throw new KubeException("no Kubernetes cluster configured: no kubeconfig (KUBECONFIG, ~/.kube/config)"
                        + " and not running in a pod; pass --kubeconfig, or run az aks get-credentials first");
            }
            base = Config.autoConfigure(context.orElse(null));
        }
        if (context.isPresent() && (base.getCurrentContext() == null
                || !context.get().equals(base.getCurrentContext().getName()))) {
            throw new KubeException("kubeconfig context '" + context.get() + "' does not exist; list them with"
                    + " kubectl config get-contexts");
        }
        ConfigBuilder builder = new ConfigBuilder(base)
                .withRequestRetryBackoffLimit(REQUEST_RETRIES)
                .withConnectionTimeout(CONNECT_TIMEOUT_MS);
        namespace.ifPresent(builder::withNamespace);
        return builder.build();
    }

    /**
     * Whether fabric8's default resolution can find a cluster: a kubeconfig file, or a pod's service account
     * (without either it would quietly try https://kubernetes.default.svc).
     */
    private static boolean configured() {
        boolean kubeconfigFile = Config.getKubeconfigFilenames().stream().anyMatch(f -> Files.isRegularFile(Path.of(f)));
        return kubeconfigFile || System.getenv("KUBERNETES_SERVICE_HOST") != null
                || Files.isRegularFile(Path.of(Config.KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH));
    }

    /**
     * A client for this target that counts the HTTP requests it sends in {@code requests} (an interceptor
     * sees every request: discovery, checks, applies, watches when they open).
     */
    KubernetesClient client(AtomicLong requests) {
        Interceptor counter = new Interceptor() {
            @Override
            public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
                requests.incrementAndGet();
            }
        };
        return new KubernetesClientBuilder().withConfig(config())
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("spindle-request-count", counter))
                .build();
    }

    /** A namespace is a DNS-1123 label; a wrong one would only fail later with a less helpful message. */
    private static void checkNamespace(String name) {
        if (!name.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
            throw new IllegalArgumentException("namespace: got '" + name + "', expected a DNS-1123 label"
                    + " (lower-case letters, digits and '-', at most 63, starting and ending alphanumeric)");
        }
    }
}

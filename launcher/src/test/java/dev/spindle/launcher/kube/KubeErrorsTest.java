package dev.spindle.launcher.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeErrorsTest {

    private static final String SERVER = "https://aks.example:443";

    private static KubeException translate(int code, Status status) {
        return KubeErrors.translate(new KubernetesClientException("Failure executing: ...", code, status), "applying Role j-coordinator",
                SERVER);
    }

    @Test
    void rbacDenialNamesVerbResourceAndNamespace() {
        Status forbidden = new StatusBuilder().withCode(403).withReason("Forbidden").withMessage("roles.rbac.authorization.k8s.io"
                + " \"j-coordinator\" is forbidden: User \"alice\" cannot patch resource \"roles\" in API group"
                + " \"rbac.authorization.k8s.io\" in the namespace \"ml\"").build();
        String line = translate(403, forbidden).getMessage();
        assertEquals("permission denied (403) while applying Role j-coordinator: User \"alice\" cannot patch resource"
                + " \"roles\" in API group \"rbac.authorization.k8s.io\" in the namespace \"ml\"; ask a cluster admin for a"
                + " Role that allows it, or use another --context", line);
    }

    @Test
    void rejectedCredentialsSaySoAndWhatToDo() {
        String line = translate(401, new StatusBuilder().withCode(401).withMessage("Unauthorized").build()).getMessage();
        assertTrue(line.startsWith("the Kubernetes API server at " + SERVER + " rejected the credentials (401"), line);
        assertTrue(line.contains("expired"), line);
    }

    @Test
    void aMissingNamespaceIsNamed() {
        Status notFound = new StatusBuilder().withCode(404).withMessage("namespaces \"ml\" not found").withNewDetails()
                .withKind("namespaces").withName("ml").endDetails().build();
        KubernetesClientException e = new KubernetesClientException("Failure", null, 404, notFound, null) {
            @Override
            public String getNamespace() {
                return "ml";
            }
        };
        String line = KubeErrors.translate(e, "applying ConfigMap j-job", SERVER).getMessage();
        assertTrue(line.startsWith("namespace 'ml' does not exist"), line);
        assertTrue(line.contains("kubectl create namespace ml"), line);
    }

    @Test
    void anUnreachableServerIsOneLineNamingIt(@TempDir Path dir) throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();  // closed again: nothing listens there
        }
        Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "https://127.0.0.1:%d", insecure-skip-tls-verify: true}}]
                users: [{name: u, user: {token: t}}]
                contexts: [{name: ctx, context: {cluster: c, user: u, namespace: ml}}]
                current-context: ctx
                """.formatted(port));
        KubeTarget target = KubeTarget.DEFAULT.withKubeconfig(kubeconfig);
        try (KubeJobs jobs = KubeJobs.connect(target)) {
            assertEquals("ml", jobs.namespace(), "the context's namespace");
            KubeException e = assertThrows(KubeException.class, () -> jobs.status("j"));
            assertTrue(e.getMessage().startsWith("cannot reach the Kubernetes API server at https://127.0.0.1:" + port),
                    e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void aMissingKubeconfigOrContextIsNamed(@TempDir Path dir) throws IOException {
        KubeException missing = assertThrows(KubeException.class,
                () -> KubeJobs.connect(KubeTarget.DEFAULT.withKubeconfig(dir.resolve("nope"))));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
                users: [{name: u, user: {token: t}}]
                contexts: [{name: ctx, context: {cluster: c, user: u}}]
                current-context: ctx
                """);
        KubeException context = assertThrows(KubeException.class, () -> KubeJobs.connect(
                new KubeTarget(Optional.of(kubeconfig), Optional.of("other"), Optional.empty())));
        assertEquals("kubeconfig context 'other' does not exist; list them with kubectl config get-contexts",
                context.getMessage());
    }
}

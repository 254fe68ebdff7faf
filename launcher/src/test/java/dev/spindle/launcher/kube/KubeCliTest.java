package dev.spindle.launcher.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.launcher.cli.SpindleCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster commands' exit codes and one-line errors, without a cluster. */
class KubeCliTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private Path kubeconfig;

    @BeforeEach
    void unreachableCluster() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "https://127.0.0.1:%d", insecure-skip-tls-verify: true}}]
                users: [{name: u, user: {token: t}}]
                contexts: [{name: ctx, context: {cluster: c, user: u}}]
                current-context: ctx
                """.formatted(port));
    }

    private int run(String... args) {
        return SpindleCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void anUnreachableServerIsOneLineAndExitOne() {
        for (String command : new String[] {"status", "cancel", "logs", "resume"}) {
            err.getBuffer().setLength(0);
            assertEquals(SpindleCli.FAILED, run(command, "gpt", "--kubeconfig", kubeconfig.toString()), command);
            assertEquals(1, err.toString().strip().lines().count(), err.toString());
            assertTrue(err.toString().startsWith("spindle: cannot reach the Kubernetes API server at https://127.0.0.1:"),
                    err.toString());
        }
        assertEquals(SpindleCli.FAILED, run("list", "--kubeconfig", kubeconfig.toString()));
    }

    @Test
    void diffExitsTwoOnErrorsAsKubectlDiffDoes() {
        assertEquals(SpindleCli.BAD_INPUT, run("diff", "gpt", "--kubeconfig", kubeconfig.toString()));
        assertTrue(err.toString().startsWith("spindle: cannot reach"), err.toString());
    }

    @Test
    void aSpecThatCannotRunOnKubernetesIsBadInputBeforeAnyRequest() throws IOException {
        Path job = KubeTestJobs.jobFile(dir, "gpt", 2, "spec.checkpoint.uri=runs/gpt");
        assertEquals(SpindleCli.BAD_INPUT, run("submit", job.toString(), "--kubeconfig", kubeconfig.toString()));
        assertTrue(err.toString().startsWith("spindle: spec.checkpoint.uri: got 'runs/gpt', expected an absolute storage URI"),
                err.toString());
    }

    @Test
    void aBadNamespaceOrMissingKubeconfigIsNamed() {
        assertEquals(SpindleCli.BAD_INPUT, run("status", "gpt", "-n", "Not_A_Namespace"));
        assertTrue(err.toString().startsWith("spindle: namespace: got 'Not_A_Namespace', expected a DNS-1123 label"),
                err.toString());
        err.getBuffer().setLength(0);
        assertEquals(SpindleCli.FAILED, run("list", "--kubeconfig", dir.resolve("nope").toString()));
        assertTrue(err.toString().startsWith("spindle: kubeconfig " + dir.resolve("nope") + " does not exist"), err.toString());
    }
}

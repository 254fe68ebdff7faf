package dev.spindle.launcher.kube.pod;

import dev.spindle.launcher.local.JavaProcess;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job run the way its pods run it, on loopback: the coordinator pod's program in this JVM, publishing to a
 * status ConfigMap (fabric8's mock server), and two worker JVMs started with the worker pod's arguments: each
 * with its own run directory, the secret and TLS store from one "mounted" cluster folder, and the coordinator
 * given by a DNS name that each worker resolves before it joins. {@link WorkerImageIT} does the same with the
 * workers in containers of the trainer image.
 */
@EnableKubernetesMockClient(crud = true)
class CoordinatorPodIT {

    KubernetesClient client;

    @TempDir
    Path dir;

    @Test
    void twoWorkerPodsTrainTheJobToItsEndAndTheStatusSaysSo() throws Exception {
        try (PodJobFixture fixture = new PodJobFixture(dir, client)) {
            fixture.startCoordinator();
            for (String pod : PodJobFixture.PODS) {
                // spindle worker ... runs exactly this main (WorkerCommand)
                JavaProcess java = JavaProcess.builder("dev.spindle.cluster.worker.WorkerMain").threads(1)
                        .args(fixture.workerArgs(pod)).build();
                fixture.start(pod, java.command(), java.environment());
            }
            fixture.assertTrainedToTheEnd(5);
        }
    }
}

package dev.spindle.launcher.kube.pod;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CoordinatorPodIT} with the two workers in containers of the trainer image, run by podman with the
 * worker pod's settings: user 65532, read-only root file system, emptyDirs for {@code /scratch} and {@code /tmp},
 * host network (each "pod" on 127.0.0.1), the job's folder mounted at the same path.
 *
 * <p>Runs in the launcher's {@code image} profile, after the image is built: {@code SPINDLE_TEST_IMAGE} is then
 * the OCI tarball ({@code oci-archive:...}) or, with {@code -Dspindle.test.image}, a name in a registry. Needs
 * Debian's {@code podman} and {@code runc} ({@link Podman}); it fails saying so when they or the image are missing.
 * The containers run the image's own entrypoint ({@code spindle}) with the worker pod's arguments.
 */
@EnableKubernetesMockClient(crud = true)
class WorkerImageIT {

    KubernetesClient client;

    @TempDir
    Path dir;

    @Test
    void twoWorkerContainersOfTheImageTrainTheJobToItsEnd() throws Exception {
        String image = Podman.testImage("WorkerImageIT");
        Podman podman = Podman.here();
        String imageId = podman.pull(image);
        List<String> names = PodJobFixture.PODS.stream().map(pod -> pod + "-" + ProcessHandle.current().pid()).toList();
        try (PodJobFixture fixture = new PodJobFixture(dir, client)) {
            Map<String, List<String>> args = new java.util.TreeMap<>();
            for (String pod : PodJobFixture.PODS) {
                args.put(pod, fixture.workerArgs(pod));  // makes the pod's run directory
            }
            Files.createDirectories(dir.resolve("checkpoints"));
            openTo65532(dir);
            fixture.startCoordinator();
            for (String pod : PodJobFixture.PODS) {
                // The image's own entrypoint (spindle), as the worker pods run it: args "worker" and the worker's.
                List<String> run = new ArrayList<>(List.of("run", "--rm", "--name", pod + "-" + ProcessHandle.current().pid(),
                        "--network", "host", "--read-only", "--user", "65532:65532",
                        "--tmpfs", "/scratch:rw,mode=1777,size=2g", "--tmpfs", "/tmp:rw,mode=1777",
                        "-v", dir + ":" + dir, "-e", "POD_NAME=" + pod, "-e", "POD_IP=127.0.0.1",
                        "-e", "JAVA_TOOL_OPTIONS=" + Podman.ONE_THREAD, imageId, "worker"));
                run.addAll(args.get(pod));
                fixture.start(pod, podman.command(run), Map.of());
            }
            fixture.assertTrainedToTheEnd(4);
        } finally {
            podman.removeAll(names, imageId);
        }
    }

    /**
     * The containers run as 65532, as the pods do: they must read the job, data and secret and write checkpoints.
     * (On Kubernetes the Secret's files are readable through fsGroup 65532.)
     */
    private static void openTo65532(Path root) throws Exception {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxrwxrwx"
                        : "rw-rw-rw-"));
            }
        }
    }
}

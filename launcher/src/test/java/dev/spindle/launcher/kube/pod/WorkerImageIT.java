package dev.spindle.launcher.kube.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * Debian's {@code podman} and {@code runc}; it fails saying so when they or the image are missing. podman's
 * storage goes to {@code /tmp/spindle-podman}.
 */
@EnableKubernetesMockClient(crud = true)
class WorkerImageIT {

    private static final Path PODMAN_DIR = Path.of("/tmp/spindle-podman");

    KubernetesClient client;

    @TempDir
    Path dir;

    @Test
    void twoWorkerContainersOfTheImageTrainTheJobToItsEnd() throws Exception {
        String image = System.getenv("SPINDLE_TEST_IMAGE");
        if (image == null || image.isBlank()) {
            fail("SPINDLE_TEST_IMAGE is not set: run this test in the image profile (docs/image.md: mvn -B verify"
                    + " -pl launcher -am -Pimage -Dtest=none -Dit.test=WorkerImageIT ...), which builds the image first");
        }
        List<String> podman = podman();
        String imageId = run(podman, "pull", "--quiet", "--tls-verify=false", image).strip();
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
                List<String> command = new ArrayList<>(podman);
                command.addAll(List.of("run", "--rm", "--name", pod + "-" + ProcessHandle.current().pid(),
                        "--network", "host", "--read-only", "--user", "65532:65532",
                        "--tmpfs", "/scratch:rw,mode=1777,size=2g", "--tmpfs", "/tmp:rw,mode=1777",
                        "-v", dir + ":" + dir, "-e", "POD_NAME=" + pod, "-e", "POD_IP=127.0.0.1",
                        "-e", "JAVA_TOOL_OPTIONS=-Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1",
                        // spindle worker ... runs exactly this main (WorkerCommand); the image's java and classpath
                        "--entrypoint", "/opt/java/bin/java", imageId,
                        "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Dai.djl.offline=true",
                        "-cp", "@/app/jib-classpath-file", "dev.spindle.cluster.worker.WorkerMain"));
                command.addAll(args.get(pod));
                fixture.start(pod, command, Map.of());
            }
            fixture.assertTrainedToTheEnd(4);
        } finally {
            // a killed "podman run" leaves its container running under conmon
            List<String> rm = new ArrayList<>(List.of("rm", "--force", "--ignore"));
            rm.addAll(names);
            run(podman, rm.toArray(String[]::new));
            // vfs storage keeps a full copy per layer (about 2 GB per image): a new tarball is a new image
            run(podman, "rmi", "--force", imageId);
        }
    }

    /**
     * podman with its storage under /tmp and runc behind a wrapper: on these VMs root lacks CAP_SYS_RESOURCE, so
     * runc cannot apply the RLIMIT_NOFILE/NPROC podman always puts in the spec ("error setting rlimit type 7");
     * the wrapper drops them and the container keeps the limits it inherits (docs/image.md).
     */
    private static List<String> podman() throws Exception {
        for (String tool : List.of("/usr/bin/podman", "/usr/bin/runc")) {
            if (!Files.isExecutable(Path.of(tool))) {
                fail(tool + " is missing: apt-get install podman runc");
            }
        }
        Files.createDirectories(PODMAN_DIR);
        Path wrapper = PODMAN_DIR.resolve("runc-without-rlimits");
        Files.writeString(wrapper, """
                #!/bin/bash
                args=("$@")
                for ((i = 0; i < ${#args[@]}; i++)); do
                  if [ "${args[$i]}" = "--bundle" ] || [ "${args[$i]}" = "-b" ]; then
                    python3 -c "import json,sys; p=sys.argv[1]; c=json.load(open(p)); c['process'].pop('rlimits', None); json.dump(c, open(p, 'w'))" "${args[$((i + 1))]}/config.json"
                  fi
                done
                exec /usr/bin/runc "$@"
                """, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        return List.of("/usr/bin/podman", "--root", PODMAN_DIR.resolve("root").toString(), "--runroot",
                PODMAN_DIR.resolve("runroot").toString(), "--runtime", wrapper.toString(), "--cgroup-manager=cgroupfs",
                "--storage-driver", "vfs");
    }

    /** Runs podman and returns what it printed; fails the test if it does not exit 0. */
    private static String run(List<String> podman, String... args) throws Exception {
        List<String> command = new ArrayList<>(podman);
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not end within 5 minutes");
        }
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
        return out.lines().reduce((first, last) -> last).orElse("");
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

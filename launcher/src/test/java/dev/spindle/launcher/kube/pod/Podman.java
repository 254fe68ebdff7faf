package dev.spindle.launcher.kube.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's podman as the image tests run it: storage under {@code /tmp/spindle-podman} (vfs driver), cgroupfs, and
 * runc behind a wrapper. On these VMs root lacks CAP_SYS_RESOURCE, so runc cannot apply the RLIMIT_NOFILE/NPROC
 * podman always puts in the spec ("error setting rlimit type 7"); the wrapper drops them and the container keeps
 * the limits it inherits (docs/image.md).
 */
final class Podman {

    private static final Path DIR = Path.of("/tmp/spindle-podman");

    /** One DJL/PyTorch thread per container: several JVMs share the machine's cores. */
    static final String ONE_THREAD = "-Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1";

    private final List<String> base;

    private Podman(List<String> base) {
        this.base = base;
    }

    /** The image under test: {@code SPINDLE_TEST_IMAGE}, which the launcher's {@code image} profile sets. */
    static String testImage(String test) {
        String image = System.getenv("SPINDLE_TEST_IMAGE");
        if (image == null || image.isBlank()) {
            fail("SPINDLE_TEST_IMAGE is not set: run this test in the image profile (docs/image.md: mvn -B verify"
                    + " -pl launcher -am -Pimage -Dtest=none -Dit.test=" + test + " ...), which builds the image first");
        }
        return image;
    }

    /** podman, failing the test when podman or runc is missing. */
    static Podman here() throws Exception {
        for (String tool : List.of("/usr/bin/podman", "/usr/bin/runc")) {
            if (!Files.isExecutable(Path.of(tool))) {
                fail(tool + " is missing: apt-get install podman runc");
            }
        }
        Files.createDirectories(DIR);
        Path wrapper = DIR.resolve("runc-without-rlimits");
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
        return new Podman(List.of("/usr/bin/podman", "--root", DIR.resolve("root").toString(), "--runroot",
                DIR.resolve("runroot").toString(), "--runtime", wrapper.toString(), "--cgroup-manager=cgroupfs",
                "--storage-driver", "vfs"));
    }

    /** The full command line of {@code podman args...}. */
    List<String> command(List<String> args) {
        List<String> command = new ArrayList<>(base);
        command.addAll(args);
        return command;
    }

    /** Runs podman and returns the last line it printed; fails the test if it does not exit 0. */
    String run(String... args) throws Exception {
        List<String> command = command(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not end within 5 minutes");
        }
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
        return out.lines().reduce((first, last) -> last).orElse("").strip();
    }

    /** Pulls {@code image} (an {@code oci-archive:} tarball or a registry name) and returns its ID. */
    String pull(String image) throws Exception {
        return run("pull", "--quiet", "--tls-verify=false", image);
    }

    /**
     * Removes the containers (a killed {@code podman run} leaves its container running under conmon) and the image:
     * vfs storage keeps a full copy per layer, about 2 GB per image, and a new tarball is a new image.
     */
    void removeAll(List<String> containers, String imageId) throws Exception {
        List<String> rm = new ArrayList<>(List.of("rm", "--force", "--ignore"));
        rm.addAll(containers);
        try {
            run(rm.toArray(String[]::new));
        } finally {
            if (imageId != null) {
                run("rmi", "--force", imageId);
            }
        }
    }
}

package dev.spindle.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.cluster.security.JobSecret;
import dev.spindle.cluster.security.TlsMaterial;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spindle render}: YAML on standard output, one clear line and exit code 2 for bad input. */
class RenderCommandTest {

    static final String TRAIN = "../examples/aks/gpt-train.yaml";

    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();

    private int run(String... args) {
        return cli.run(args);
    }

    private List<HasMetadata> printed() {
        return new KubernetesSerialization().unmarshal(cli.out());
    }

    @Test
    void printsEveryObjectAsYamlWithoutSecretData() {
        assertEquals(SpindleCli.OK, run("render", TRAIN, "--namespace", "team-a"), cli.err());
        List<HasMetadata> objects = printed();
        assertEquals(12, objects.size());
        assertEquals("gpt-train-job", objects.get(0).getMetadata().getName());
        assertTrue(objects.stream().allMatch(o -> "team-a".equals(o.getMetadata().getNamespace())));
        Secret secret = (Secret) objects.stream().filter(o -> o instanceof Secret).findFirst().orElseThrow();
        assertTrue(secret.getData().isEmpty());
        assertEquals("", cli.err());
    }

    @Test
    void overlayAndPolicyFlagsChangeWhatIsPrinted() {
        assertEquals(SpindleCli.OK, run("render", TRAIN, "--overlay", "aks-automatic", "--policy-v1beta1",
                "--set", "spec.parallelism.data=4"), cli.err());
        String yaml = cli.out();
        assertTrue(yaml.contains("karpenter.azure.com/sku-gpu-manufacturer: nvidia"), yaml);
        assertTrue(yaml.contains("apiVersion: policy/v1beta1"), yaml);
        assertTrue(yaml.contains("completions: 4"), yaml);
        assertFalse(yaml.contains("kubernetes.azure.com/accelerator"), yaml);
    }

    @Test
    void badInputIsOneLineNamingTheFieldAndExitCodeTwo() throws IOException {
        assertEquals(SpindleCli.BAD_INPUT, run("render", TRAIN, "--overlay", "aks-standrd"));
        assertEquals("spindle: spec.kubernetes.overlay: got 'aks-standrd', expected one of [aks-standard,"
                + " aks-automatic] (did you mean 'aks-standard'?)", cli.err().strip());
        assertEquals("", cli.out());
        cli.clear();
        assertEquals(SpindleCli.BAD_INPUT, run("render", "../examples/gpt/job.yaml"));
        assertEquals(1, cli.err().strip().lines().count(), cli.err());
        assertTrue(cli.err().startsWith("spindle: spec.kubernetes: missing"), cli.err());
        cli.clear();
        assertEquals(SpindleCli.BAD_INPUT, run("render", TRAIN, "--namespace", "Team_A"));
        assertTrue(cli.err().startsWith("spindle: namespace: got 'Team_A'"), cli.err());
    }

    @Test
    void writeSecretMakesFilesThatOpenEachOtherAndPrintsNeither() throws IOException {
        Path secretDir = dir.resolve("secret");
        assertEquals(SpindleCli.OK, run("render", TRAIN, "--write-secret", secretDir.toString()), cli.err());
        Path secretFile = secretDir.resolve("job.secret");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secretFile)));
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(secretDir.resolve(TlsMaterial.STORE_FILE))));
        JobSecret secret = JobSecret.read(secretFile);
        TlsMaterial.open(secret, secretDir);
        assertFalse(cli.out().contains(Files.readString(secretFile).strip()));
        assertTrue(cli.err().contains("wrote a new cluster secret to " + secretDir), cli.err());
    }
}

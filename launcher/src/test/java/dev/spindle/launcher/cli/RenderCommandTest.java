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
import java.io.PrintWriter;
import java.io.StringWriter;
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

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return SpindleCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    private List<HasMetadata> printed() {
        return new KubernetesSerialization().unmarshal(out.toString());
    }

    @Test
    void printsEveryObjectAsYamlWithoutSecretData() {
        assertEquals(SpindleCli.OK, run("render", TRAIN, "--namespace", "team-a"), err.toString());
        List<HasMetadata> objects = printed();
        assertEquals(12, objects.size());
        assertEquals("gpt-train-job", objects.get(0).getMetadata().getName());
        assertTrue(objects.stream().allMatch(o -> "team-a".equals(o.getMetadata().getNamespace())));
        Secret secret = (Secret) objects.stream().filter(o -> o instanceof Secret).findFirst().orElseThrow();
        assertTrue(secret.getData().isEmpty());
        assertEquals("", err.toString());
    }

    @Test
    void overlayAndPolicyFlagsChangeWhatIsPrinted() {
        assertEquals(SpindleCli.OK, run("render", TRAIN, "--overlay", "aks-automatic", "--policy-v1beta1",
                "--set", "spec.parallelism.data=4"), err.toString());
        String yaml = out.toString();
        assertTrue(yaml.contains("karpenter.azure.com/sku-gpu-manufacturer: nvidia"), yaml);
        assertTrue(yaml.contains("apiVersion: policy/v1beta1"), yaml);
        assertTrue(yaml.contains("completions: 4"), yaml);
        assertFalse(yaml.contains("kubernetes.azure.com/accelerator"), yaml);
    }

    @Test
    void badInputIsOneLineNamingTheFieldAndExitCodeTwo() throws IOException {
        assertEquals(SpindleCli.BAD_INPUT, run("render", TRAIN, "--overlay", "aks-standrd"));
        assertEquals("spindle: spec.kubernetes.overlay: got 'aks-standrd', expected one of [aks-standard,"
                + " aks-automatic] (did you mean 'aks-standard'?)", err.toString().strip());
        assertEquals("", out.toString());
        err.getBuffer().setLength(0);
        assertEquals(SpindleCli.BAD_INPUT, run("render", "../examples/gpt/job.yaml"));
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().startsWith("spindle: spec.kubernetes: missing"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(SpindleCli.BAD_INPUT, run("render", TRAIN, "--namespace", "Team_A"));
        assertTrue(err.toString().startsWith("spindle: namespace: got 'Team_A'"), err.toString());
    }

    @Test
    void writeSecretMakesFilesThatOpenEachOtherAndPrintsNeither() throws IOException {
        Path secretDir = dir.resolve("secret");
        assertEquals(SpindleCli.OK, run("render", TRAIN, "--write-secret", secretDir.toString()), err.toString());
        Path secretFile = secretDir.resolve("job.secret");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secretFile)));
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(secretDir.resolve(TlsMaterial.STORE_FILE))));
        JobSecret secret = JobSecret.read(secretFile);
        TlsMaterial.open(secret, secretDir);
        assertFalse(out.toString().contains(Files.readString(secretFile).strip()));
        assertTrue(err.toString().contains("wrote a new cluster secret to " + secretDir), err.toString());
    }
}

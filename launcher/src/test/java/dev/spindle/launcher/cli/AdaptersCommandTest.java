package dev.spindle.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.spindle.peft.AdapterMetadata;
import dev.spindle.peft.AdapterMetadataJson;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spindle adapters ...} against a local OCI layout. */
class AdaptersCommandTest {

    @TempDir
    Path dir;

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        return SpindleCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    /** A one-tensor adapter whose weights are all {@code value}. */
    private Path adapter(String name, float value, String parent, double loss) throws Exception {
        Path a = Files.createDirectories(dir.resolve(name));
        Files.writeString(a.resolve("adapter_config.json"), "{\"peft_type\":\"LORA\",\"r\":2}");
        try (NDManager m = NDManager.newBaseManager();
                OutputStream os = Files.newOutputStream(a.resolve("adapter_model.safetensors"))) {
            NDArray w = m.full(new ai.djl.ndarray.types.Shape(2, 8), value);
            w.setName("lora_A.weight");
            new NDList(w).encode(os, NDList.Encoding.SAFETENSORS);
        }
        AdapterMetadataJson.write(a, new AdapterMetadata("sha256:" + "b".repeat(64), null, "sha256:" + "5".repeat(64),
                Map.of("loss", loss), parent, Instant.parse("2026-11-29T12:00:00Z")));
        return a;
    }

    @Test
    void pushListInspectPullDiffOnALayout() throws Exception {
        String repo = "oci-layout:" + dir.resolve("layout");
        Path v1 = adapter("v1", 1f, null, 2.0);
        Path v2 = adapter("v2", 2f, "v1", 1.5);
        assertEquals(SpindleCli.OK, run("adapters", "push", v1.toString(), repo + ":v1"), err.toString());
        assertTrue(out.toString().startsWith("pushed " + repo + ":v1 sha256:"), out.toString());
        assertEquals(SpindleCli.OK, run("adapters", "push", v1.toString(), repo + ":v1"), err.toString());
        assertTrue(out.toString().startsWith("unchanged"), out.toString());
        assertEquals(SpindleCli.OK, run("adapters", "push", v2.toString(), repo + ":v2"), err.toString());

        assertEquals(SpindleCli.OK, run("adapters", "list", repo), err.toString());
        String[] lines = out.toString().strip().split("\n");
        assertEquals(3, lines.length, out.toString());
        assertTrue(lines[2].startsWith("v2") && lines[2].contains(" v1 ") && lines[2].contains("loss=1.5"), lines[2]);

        assertEquals(SpindleCli.OK, run("adapters", "inspect", repo + ":v2"), err.toString());
        assertTrue(out.toString().contains("dev.spindle.adapter.parent = v1"), out.toString());
        assertTrue(out.toString().contains("/data/adapter_model.safetensors"), out.toString());

        Path pulled = dir.resolve("pulled");
        assertEquals(SpindleCli.OK, run("adapters", "pull", repo + ":v2", "--out", pulled.toString()), err.toString());
        assertEquals(-1L, Files.mismatch(v2.resolve("adapter_model.safetensors"), pulled.resolve("adapter_model.safetensors")));
        assertEquals("v1", AdapterMetadataJson.read(pulled).parentVersion());

        // |A| = sqrt(16 * 1) = 4, |B| = sqrt(16 * 4) = 8, |A-B| = 4.
        assertEquals(SpindleCli.OK, run("adapters", "diff", repo + ":v1", repo + ":v2"), err.toString());
        assertTrue(out.toString().matches("(?s).*lora_A\\.weight\\s+4\\.00000\\s+8\\.00000\\s+4\\.00000.*"), out.toString());
        assertTrue(out.toString().contains("loss") && out.toString().contains("2.0 -> 1.5"), out.toString());
    }

    @Test
    void anotherAdapterUnderAnExistingTagIsOneLineUnlessForced() throws Exception {
        String ref = "oci-layout:" + dir.resolve("layout") + ":v1";
        assertEquals(SpindleCli.OK, run("adapters", "push", adapter("a", 1f, null, 2.0).toString(), ref));
        Path other = adapter("b", 3f, null, 2.0);
        assertEquals(SpindleCli.BAD_INPUT, run("adapters", "push", other.toString(), ref));
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().contains("--force"), err.toString());
        assertEquals(SpindleCli.OK, run("adapters", "push", other.toString(), ref, "--force"), err.toString());
        assertTrue(out.toString().startsWith("replaced"), out.toString());
    }

    @Test
    void badRefIsOneLine() {
        assertEquals(SpindleCli.BAD_INPUT, run("adapters", "inspect", "adapters/chat:v1"));
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().contains("'adapters/chat:v1'"), err.toString());
    }
}

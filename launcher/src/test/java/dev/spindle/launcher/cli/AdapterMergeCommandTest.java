package dev.spindle.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.spindle.launcher.JobException;
import dev.spindle.model.WeightLoader;
import dev.spindle.model.gpt.Gpt;
import dev.spindle.model.gpt.GptConfig;
import dev.spindle.peft.format.AdapterFiles;
import dev.spindle.peft.lora.LoraAdapter;
import dev.spindle.peft.lora.LoraConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code adapters merge} on real files: the merged model computes base plus adapter. */
class AdapterMergeCommandTest {

    private static final GptConfig CONFIG = new GptConfig(16, 8, 1, 2, 16, true, 0.0, 1e-5);

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();

    /** Parses and calls the command directly, so its exceptions reach the test unchanged. */
    private int merge(String... args) throws Exception {
        AdapterMergeCommand command = new AdapterMergeCommand();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        cli.parseArgs(args);
        return command.call();
    }

    @Test
    void writesAPlainModelThatComputesBasePlusAdapterAndNeverOverwrites() throws Exception {
        float[] adapted;
        NDArray tokens;
        try (NDManager manager = NDManager.newBaseManager()) {
            tokens = manager.create(new int[] {1, 2, 3, 4, 5}, new Shape(1, 5));
            Engine.getInstance().setRandomSeed(3);
            try (Gpt gpt = new Gpt(CONFIG, manager)) {
                NDList base = new NDList();
                gpt.parameters().asMap().values().forEach(base::add);
                try (OutputStream os = Files.newOutputStream(dir.resolve("base.safetensors"))) {
                    base.encode(os, NDList.Encoding.SAFETENSORS);
                }
                LoraAdapter lora = LoraAdapter.attach(gpt, LoraConfig.of(List.of("c_attn", "c_fc"), 2, 4));
                JniUtils.setGradMode(false);
                for (NDArray p : lora.tensors().values()) {
                    // B starts at zero; give it values so the merge has something to add
                    p.addi(manager.randomNormal(0, 0.3f, p.getShape(), DataType.FLOAT32));
                }
                adapted = gpt.forward(tokens, false).toFloatArray();
                AdapterFiles.write(dir.resolve("adapter"), lora, "base.safetensors", null);
            }
            Path merged = dir.resolve("out/merged.safetensors");
            assertEquals(SpindleCli.OK, merge(dir.resolve("adapter").toString(), "--base",
                    dir.resolve("base.safetensors").toString(), "--out", merged.toString()));
            assertTrue(out.toString().startsWith("spindle: merged "), out.toString());
            try (Gpt plain = new Gpt(CONFIG, manager)) {
                WeightLoader.load(plain.parameters(), merged);
                float[] got = plain.forward(tokens, false).toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    assertEquals(adapted[i], got[i], 1e-5, "logit " + i);
                }
            }
            JobException exists = assertThrows(JobException.class, () -> merge(dir.resolve("adapter").toString(),
                    "--base", dir.resolve("base.safetensors").toString(), "--out", merged.toString()));
            assertTrue(exists.getMessage().contains("exists already"), exists.getMessage());
        }
    }

    @Test
    void aBaseThatIsNoModelIsOneClearError() throws IOException {
        Files.createDirectories(dir.resolve("adapter"));
        JobException e = assertThrows(JobException.class, () -> merge(dir.resolve("adapter").toString(), "--base",
                dir.resolve("nothing").toString(), "--out", dir.resolve("m.safetensors").toString()));
        assertTrue(e.getMessage().contains("not a safetensors file, a checkpoint directory"), e.getMessage());
    }
}

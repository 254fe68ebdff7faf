package dev.spindle.peft.lora;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.spindle.model.WeightLoader;
import dev.spindle.model.gpt.Gpt;
import dev.spindle.peft.format.AdapterFiles;
import dev.spindle.peft.format.PeftAdapterConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergedWeightsTest {

    @TempDir
    Path dir;

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private float[] logits(Gpt gpt) {
        try (NDManager m = manager.newSubManager()) {
            return gpt.forward(TinyGpt.tokens(m, 4), false).toFloatArray();
        }
    }

    private static void save(Gpt gpt, Path file) throws IOException {
        NDList list = new NDList();
        gpt.parameters().asMap().forEach((name, array) -> list.add(array));
        try (OutputStream out = Files.newOutputStream(file)) {
            list.encode(out, NDList.Encoding.SAFETENSORS);
        }
    }

    @Test
    void aMergedFileLoadsAsAPlainModelThatComputesBasePlusAdapter() throws IOException {
        Path base = dir.resolve("base.safetensors");
        float[] adapted;
        try (Gpt gpt = TinyGpt.create(manager, 8)) {
            save(gpt, base);
            LoraAdapter lora = LoraAdapter.attach(gpt, new LoraConfig(4, 16, 0, List.of("c_attn", "c_proj", "c_fc"),
                    null, LoraConfig.Bias.ALL, List.of()));
            TinyGpt.train(gpt, manager, 4);
            adapted = logits(gpt);
            AdapterFiles.write(dir.resolve("adapter"), lora, base.toString(), PeftAdapterConfig.CAUSAL_LM);
        }
        MergedWeights.write(dir.resolve("adapter"), base, dir.resolve("merged.safetensors"), manager);
        try (Gpt plain = TinyGpt.create(manager, 99)) {
            WeightLoader.load(plain.parameters(), dir.resolve("merged.safetensors"));
            LoraAdapterTest.assertClose(adapted, logits(plain), LoraAdapterTest.MERGE_TOLERANCE);
        }
    }

    @Test
    void anAdapterForAnotherModelIsRefusedNamingTheTensor() throws IOException {
        try (Gpt gpt = TinyGpt.create(manager, 8)) {
            AdapterFiles.write(dir.resolve("adapter"), LoraAdapter.attach(gpt, LoraConfig.of(List.of("c_fc"), 2, 2)),
                    "b", null);
        }
        Path other = dir.resolve("other.safetensors");
        try (OutputStream out = Files.newOutputStream(other)) {
            NDArray w = manager.zeros(new ai.djl.ndarray.types.Shape(3, 3));
            w.setName("layers.0.weight");
            new NDList(w).encode(out, NDList.Encoding.SAFETENSORS);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MergedWeights.write(dir.resolve("adapter"), other, dir.resolve("m.safetensors"), manager));
        assertTrue(e.getMessage().contains("the base has no tensor transformer.h.0.mlp.c_fc.weight"), e.getMessage());
    }
}

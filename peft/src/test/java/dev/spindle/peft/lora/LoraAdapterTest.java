package dev.spindle.peft.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.spindle.model.Model;
import dev.spindle.model.Parameters;
import dev.spindle.model.gpt.Gpt;
import dev.spindle.model.mlp.Mlp;
import dev.spindle.model.mlp.MlpConfig;
import dev.spindle.optim.Optimizer;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoraAdapterTest {

    /** Merging adds (alpha/r) B A into W once instead of per forward pass: float32 rounding differs. */
    static final double MERGE_TOLERANCE = 1e-5;

    private static final List<String> ALL_GPT = List.of("c_attn", "c_proj", "c_fc");

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private float[] logits(Model model, int seed) {
        try (NDManager m = manager.newSubManager()) {
            return model.forward(TinyGpt.tokens(m, seed), false).toFloatArray();
        }
    }

    @Test
    void bStartsAtZeroSoTheAdaptedModelIsTheBaseAndAIsKaimingUniform() {
        try (Gpt gpt = TinyGpt.create(manager, 1)) {
            float[] base = logits(gpt, 7);
            LoraAdapter lora = LoraAdapter.attach(gpt, LoraConfig.of(ALL_GPT, 4, 8));
            assertArrayEquals(base, logits(gpt, 7), "a zero B must leave every output exactly as the base's");
            Parameters p = gpt.parameters();
            NDArray a = p.get("transformer.h.0.mlp.c_proj.lora_A.weight");
            assertEquals(new Shape(4, 64), a.getShape());
            assertEquals(new Shape(16, 4), p.get("transformer.h.0.mlp.c_proj.lora_B.weight").getShape());
            assertEquals(0f, p.get("transformer.h.0.mlp.c_proj.lora_B.weight").abs().max().getFloat());
            float bound = (float) (1 / Math.sqrt(64));
            float max = a.max().getFloat();
            float min = a.min().getFloat();
            assertTrue(max <= bound && min >= -bound, "A within +-1/sqrt(in): " + min + ".." + max);
            assertTrue(max > 0.8 * bound && min < -0.8 * bound, "A spread over the range: " + min + ".." + max);
            assertEquals(8, lora.modules().size());
        }
    }

    @Test
    void theBaseStaysBitIdenticalAndOnlyAdapterParametersTrain() {
        try (Gpt gpt = TinyGpt.create(manager, 2)) {
            LoraAdapter.attach(gpt, LoraConfig.of(List.of("c_attn", "mlp.c_fc"), 4, 8));
            Map<String, float[]> before = TinyGpt.snapshot(gpt);
            Optimizer optimizer = TinyGpt.train(gpt, manager, 5);
            Parameters p = gpt.parameters();
            TreeSet<String> withState = new TreeSet<>();
            optimizer.state().keySet().forEach(k -> withState.add(k.substring(k.indexOf('/') + 1)));
            TreeSet<String> lora = new TreeSet<>();
            for (String name : p.names()) {
                if (LoraAdapter.isLoraName(name)) {
                    lora.add(name);
                    assertTrue(p.isTrainable(name));
                } else {
                    assertFalse(p.isTrainable(name), name);
                    assertFalse(p.get(name).hasGradient(), name + " must carry no gradient");
                    assertArrayEquals(before.get(name), p.get(name).toFloatArray(), name + " changed");
                }
            }
            assertEquals(lora, withState, "optimizer state only for the adapter");
            assertEquals(8, lora.size());
            assertFalse(java.util.Arrays.equals(before.get("transformer.h.1.mlp.c_fc.lora_B.weight"),
                    p.get("transformer.h.1.mlp.c_fc.lora_B.weight").toFloatArray()), "the adapter must learn");
        }
    }

    @Test
    void loraOnlyBiasAndModulesToSaveTrainTooAndNothingElse() {
        try (Gpt gpt = TinyGpt.create(manager, 3)) {
            LoraConfig config = new LoraConfig(2, 4, 0.1, List.of("c_attn"), null, LoraConfig.Bias.LORA_ONLY,
                    List.of("lm_head"));
            LoraAdapter lora = LoraAdapter.attach(gpt, config);
            List<String> trainable = gpt.parameters().trainableNames();
            assertEquals(List.of("transformer.h.0.attn.c_attn.bias", "transformer.h.1.attn.c_attn.bias",
                    "lm_head.weight", "transformer.h.0.attn.c_attn.lora_A.weight",
                    "transformer.h.0.attn.c_attn.lora_B.weight", "transformer.h.1.attn.c_attn.lora_A.weight",
                    "transformer.h.1.attn.c_attn.lora_B.weight"), trainable);
            assertEquals(List.copyOf(lora.tensors().keySet()), trainable);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoraAdapter.attach(
                    TinyGpt.create(manager, 3), new LoraConfig(2, 4, 0, List.of("c_attn"), null,
                            LoraConfig.Bias.NONE, List.of("score"))));
            assertTrue(e.getMessage().startsWith("spec.peft.modulesToSave: [score] match no module"), e.getMessage());
        }
    }

    @Test
    void summaryCountsTrainableParameters() {
        try (Gpt gpt = TinyGpt.create(manager, 4)) {
            long base = gpt.parameters().count();
            LoraAdapter lora = LoraAdapter.attach(gpt, LoraConfig.of(List.of("c_attn"), 2, 4));
            long adapter = 2 * (2 * 16 + 48 * 2);
            assertEquals(String.format(java.util.Locale.ROOT,
                    "LoRA r=2 on 2 modules: %,d of %,d parameters train (%.2f%%)", adapter, base + adapter,
                    100.0 * adapter / (base + adapter)), lora.summary());
        }
    }

    @Test
    void mergedGptComputesWhatTheAdapterDoesAndUnmergeRestoresTheBase() {
        try (Gpt gpt = TinyGpt.create(manager, 5)) {
            LoraAdapter lora = LoraAdapter.attach(gpt, LoraConfig.of(ALL_GPT, 4, 16));
            TinyGpt.train(gpt, manager, 4);
            Map<String, float[]> trained = TinyGpt.snapshot(gpt);
            float[] adapted = logits(gpt, 9);
            lora.merge();
            assertClose(adapted, logits(gpt, 9), MERGE_TOLERANCE);
            assertFalse(java.util.Arrays.equals(trained.get("transformer.h.0.attn.c_attn.weight"),
                    gpt.parameters().get("transformer.h.0.attn.c_attn.weight").toFloatArray()));
            lora.unmerge();
            for (String name : gpt.parameters().names()) {
                assertClose(trained.get(name), gpt.parameters().get(name).toFloatArray(), 1e-6);
            }
            assertClose(adapted, logits(gpt, 9), 1e-6);
        }
    }

    @Test
    void mergeOnTorchLinearLayoutToo() {
        Engine.getInstance().setRandomSeed(6);
        try (Mlp mlp = new Mlp(new MlpConfig(6, List.of(5), 3), manager)) {
            LoraAdapter lora = LoraAdapter.attach(mlp, LoraConfig.of(List.of("layers.0", "layers.1"), 2, 4));
            Engine.getInstance().setRandomSeed(7);
            for (NDArray p : lora.tensors().values()) {
                // B = 0 would make the check trivial: give both factors values
                try (var scope = new ai.djl.ndarray.NDScope()) {
                    ai.djl.pytorch.jni.JniUtils.setGradMode(false);
                    p.addi(manager.randomNormal(0, 0.5f, p.getShape(), DataType.FLOAT32));
                }
            }
            NDArray x = manager.randomNormal(new Shape(4, 6));
            float[] adapted = mlp.forward(x, false).toFloatArray();
            lora.merge();
            assertClose(adapted, mlp.forward(x, false).toFloatArray(), MERGE_TOLERANCE);
        }
    }

    static void assertClose(float[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, "element " + i);
        }
    }
}

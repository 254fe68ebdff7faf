package dev.spindle.model.gpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.spindle.model.Parameters;
import dev.spindle.optim.AdamW;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GptTest {

    /** Small enough to run in milliseconds, big enough to have every part (2 blocks, 2 heads). */
    static final GptConfig TINY = new GptConfig(16, 8, 2, 2, 16, true, 0.0, 1e-5);

    private NDManager manager;

    @BeforeEach
    void setUp() {
        Engine.getInstance().setRandomSeed(1234);
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void parametersCarryGpt2NamesAndShapesInGpt2Order() {
        try (Gpt gpt = new Gpt(TINY.withTiedHead(false), manager)) {
            List<String> expected = new ArrayList<>(List.of("transformer.wte.weight", "transformer.wpe.weight"));
            for (int i = 0; i < 2; i++) {
                for (String suffix : List.of("ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
                        "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight",
                        "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias")) {
                    expected.add("transformer.h." + i + "." + suffix);
                }
            }
            expected.addAll(List.of("transformer.ln_f.weight", "transformer.ln_f.bias", "lm_head.weight"));
            Parameters p = gpt.parameters();
            assertEquals(expected, p.names());
            assertEquals(new Shape(16, 16), p.get("transformer.wte.weight").getShape());
            assertEquals(new Shape(8, 16), p.get("transformer.wpe.weight").getShape());
            assertEquals(new Shape(16, 48), p.get("transformer.h.1.attn.c_attn.weight").getShape());
            assertEquals(new Shape(48), p.get("transformer.h.1.attn.c_attn.bias").getShape());
            assertEquals(new Shape(16, 16), p.get("transformer.h.0.attn.c_proj.weight").getShape());
            assertEquals(new Shape(16, 64), p.get("transformer.h.0.mlp.c_fc.weight").getShape());
            assertEquals(new Shape(64, 16), p.get("transformer.h.0.mlp.c_proj.weight").getShape());
            assertEquals(new Shape(16), p.get("transformer.ln_f.bias").getShape());
            assertEquals(new Shape(16, 16), p.get("lm_head.weight").getShape());
        }
    }

    @Test
    void tiedHeadRegistersNoLmHead() {
        try (Gpt gpt = new Gpt(TINY, manager)) {
            assertFalse(gpt.parameters().contains("lm_head.weight"));
            assertEquals(2 + 2 * 12 + 2, gpt.parameters().size());
        }
    }

    @Test
    void initialisationFollowsGpt2() {
        GptConfig wide = new GptConfig(256, 8, 2, 2, 64, true, 0.0, 1e-5);
        try (Gpt gpt = new Gpt(wide, manager)) {
            Parameters p = gpt.parameters();
            assertEquals(0.02, std(p.get("transformer.wte.weight")), 0.002);
            assertEquals(0.02 / Math.sqrt(4), std(p.get("transformer.h.1.mlp.c_proj.weight")), 0.001);
            assertEquals(0.0, p.get("transformer.h.0.attn.c_attn.bias").abs().max().getFloat());
            assertEquals(1.0f, p.get("transformer.h.0.ln_1.weight").min().getFloat());
        }
    }

    @Test
    void changingAFutureTokenLeavesEarlierLogitsUnchanged() {
        try (Gpt gpt = new Gpt(TINY, manager); NDManager step = manager.newSubManager()) {
            int[] a = {1, 2, 3, 4, 5, 6, 7, 8};
            int[] b = a.clone();
            b[5] = 15;
            float[] la = gpt.forward(step.create(a, new Shape(1, 8)), false).toFloatArray();
            float[] lb = gpt.forward(step.create(b, new Shape(1, 8)), false).toFloatArray();
            int vocab = TINY.vocabSize();
            for (int i = 0; i < 5 * vocab; i++) {
                assertEquals(la[i], lb[i], 1e-6, "logit " + i + " before the changed position");
            }
            double changed = 0;
            for (int i = 5 * vocab; i < 6 * vocab; i++) {
                changed += Math.abs(la[i] - lb[i]);
            }
            assertTrue(changed > 1e-4, "the changed position itself must see the new token");
        }
    }

    @Test
    void lossAtInitialisationIsCloseToLogVocab() {
        GptConfig config = new GptConfig(64, 8, 2, 2, 32, true, 0.0, 1e-5);
        try (Gpt gpt = new Gpt(config, manager); NDManager step = manager.newSubManager()) {
            NDArray tokens = step.randomInteger(0, 64, new Shape(4, 8), ai.djl.ndarray.types.DataType.INT32);
            NDArray labels = step.randomInteger(0, 64, new Shape(4, 8), ai.djl.ndarray.types.DataType.INT32);
            NDArray logits = gpt.forward(tokens, false);
            assertEquals(new Shape(4, 8, 64), logits.getShape());
            assertEquals(Math.log(64), gpt.loss(logits, labels).getFloat(), 0.1);
        }
    }

    @Test
    void aFewAdamWStepsOverfitATinyBatch() {
        try (Gpt gpt = new Gpt(TINY.withDropout(0.1), manager); NDManager state = manager.newSubManager()) {
            AdamW adamw = new AdamW(state, 0.9, 0.99, 1e-8, 0.0);
            int[] text = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2};
            float first = 0;
            float last = 0;
            for (int i = 0; i < 60; i++) {
                try (NDManager step = manager.newSubManager()) {
                    NDArray tokens = step.create(java.util.Arrays.copyOfRange(text, 0, 16), new Shape(2, 8));
                    NDArray labels = step.create(java.util.Arrays.copyOfRange(text, 1, 17), new Shape(2, 8));
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = gpt.loss(gpt.forward(tokens, true), labels);
                        collector.backward(loss);
                        last = loss.getFloat();
                    }
                    if (i == 0) {
                        first = last;
                    }
                    adamw.step(gpt.parameters(), 1e-2f);
                }
            }
            assertTrue(last < 0.2 * first, "loss went from " + first + " to " + last);
        }
    }

    @Test
    void rejectsSequencesLongerThanTheContext() {
        try (Gpt gpt = new Gpt(TINY, manager); NDManager step = manager.newSubManager()) {
            NDArray tooLong = step.zeros(new Shape(1, 9), ai.djl.ndarray.types.DataType.INT32);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gpt.forward(tooLong, false));
            assertTrue(e.getMessage().contains("contextLength (8)"), e.getMessage());
        }
    }

    @Test
    void forwardLeavesNothingInTheModelsManager() {
        try (Gpt gpt = new Gpt(TINY, manager)) {
            NDArray wte = gpt.parameters().get("transformer.wte.weight");
            int before = wte.getManager().getManagedArrays().size();
            try (NDManager step = manager.newSubManager()) {
                gpt.forward(step.zeros(new Shape(2, 8), ai.djl.ndarray.types.DataType.INT32), true);
            }
            assertEquals(before, wte.getManager().getManagedArrays().size());
        }
    }

    @Test
    void forwardMatchesAPlainJavaGpt2WithTiedAndUntiedHead() {
        for (boolean tied : new boolean[] {true, false}) {
            GptConfig config = new GptConfig(7, 5, 2, 2, 8, tied, 0.0, 1e-5);
            try (Gpt gpt = new Gpt(config, manager); NDManager step = manager.newSubManager()) {
                // move every parameter off its initial value so biases and norms take part
                for (NDArray parameter : gpt.parameters().asMap().values()) {
                    parameter.addi(step.randomNormal(0f, 0.5f, parameter.getShape(), ai.djl.ndarray.types.DataType.FLOAT32));
                }
                int[][] batch = {{0, 6, 2, 2, 5}, {3, 1, 4, 1, 5}};
                NDArray tokens = step.create(new int[] {0, 6, 2, 2, 5, 3, 1, 4, 1, 5}, new Shape(2, 5));
                float[] logits = gpt.forward(tokens, false).toFloatArray();
                GptReference reference = new GptReference(config, gpt.parameters());
                for (int b = 0; b < 2; b++) {
                    double[][] expected = reference.logits(batch[b]);
                    for (int t = 0; t < 5; t++) {
                        for (int v = 0; v < 7; v++) {
                            assertEquals(expected[t][v], logits[(b * 5 + t) * 7 + v], 1e-4,
                                    "tied=" + tied + " batch " + b + " position " + t + " token " + v);
                        }
                    }
                }
            }
        }
    }

    @Test
    void geluIsGpt2sTanhApproximation() {
        float[] x = {-3f, -1f, -0.1f, 0f, 0.5f, 2f};
        float[] y = GptBlock.gelu(manager.create(x)).toFloatArray();
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            double expected = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
            assertEquals(expected, y[i], 1e-6, "gelu(" + v + ")");
        }
    }

    private static double std(NDArray array) {
        float[] values = array.toFloatArray();
        double sum = 0;
        double squares = 0;
        for (float v : values) {
            sum += v;
            squares += (double) v * v;
        }
        double mean = sum / values.length;
        return Math.sqrt(squares / values.length - mean * mean);
    }
}

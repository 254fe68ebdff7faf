package dev.spindle.model.mlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.spindle.model.Parameters;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MlpTest {

    private NDManager manager;

    @BeforeEach
    void setUp() {
        Engine.getInstance().setRandomSeed(7);
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void parametersAreNamedAsTorchLinearLayers() {
        try (Mlp mlp = new Mlp(new MlpConfig(5, List.of(7, 6), 3), manager)) {
            Parameters p = mlp.parameters();
            assertEquals(List.of("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
                    "layers.2.weight", "layers.2.bias"), p.names());
            assertEquals(new Shape(7, 5), p.get("layers.0.weight").getShape());
            assertEquals(new Shape(6, 7), p.get("layers.1.weight").getShape());
            assertEquals(new Shape(3, 6), p.get("layers.2.weight").getShape());
            assertEquals(new Shape(3), p.get("layers.2.bias").getShape());
        }
    }

    @Test
    void initialisationIsKaimingUniformBoundedByInverseSqrtFanIn() {
        try (Mlp mlp = new Mlp(new MlpConfig(64, List.of(128), 2), manager)) {
            float[] w = mlp.parameters().get("layers.0.weight").toFloatArray();
            double bound = 1 / Math.sqrt(64);
            double squares = 0;
            for (float v : w) {
                assertTrue(Math.abs(v) <= bound, "weight " + v + " beyond " + bound);
                squares += v * v;
            }
            // uniform(-b, b) has standard deviation b/sqrt(3)
            assertEquals(bound / Math.sqrt(3), Math.sqrt(squares / w.length), 0.05 * bound);
        }
    }

    @Test
    void forwardMatchesAPlainJavaReferenceWithReluBetweenLayers() {
        MlpConfig config = new MlpConfig(4, List.of(5), 3);
        try (Mlp mlp = new Mlp(config, manager); NDManager step = manager.newSubManager()) {
            float[] x = {0.5f, -1f, 2f, 0.25f, -0.3f, 0.7f, -1.5f, 1f};
            float[] logits = mlp.forward(step.create(x, new Shape(2, 4)), false).toFloatArray();
            Parameters p = mlp.parameters();
            float[] w0 = p.get("layers.0.weight").toFloatArray();
            float[] b0 = p.get("layers.0.bias").toFloatArray();
            float[] w1 = p.get("layers.1.weight").toFloatArray();
            float[] b1 = p.get("layers.1.bias").toFloatArray();
            for (int row = 0; row < 2; row++) {
                double[] hidden = new double[5];
                for (int j = 0; j < 5; j++) {
                    double sum = b0[j];
                    for (int i = 0; i < 4; i++) {
                        sum += w0[j * 4 + i] * x[row * 4 + i];
                    }
                    hidden[j] = Math.max(0, sum);
                }
                for (int c = 0; c < 3; c++) {
                    double sum = b1[c];
                    for (int j = 0; j < 5; j++) {
                        sum += w1[c * 5 + j] * hidden[j];
                    }
                    assertEquals(sum, logits[row * 3 + c], 1e-5, "row " + row + " class " + c);
                }
            }
        }
    }

    @Test
    void rejectsFeaturesOfTheWrongWidth() {
        try (Mlp mlp = new Mlp(new MlpConfig(4, List.of(), 2), manager); NDManager step = manager.newSubManager()) {
            NDArray wrong = step.zeros(new Shape(2, 5));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mlp.forward(wrong, false));
            assertTrue(e.getMessage().contains("expected [batch, 4]"), e.getMessage());
        }
    }
}

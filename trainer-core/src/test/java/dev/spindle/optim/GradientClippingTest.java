package dev.spindle.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.spindle.model.Parameters;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GradientClippingTest {

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private static double norm(Map<String, float[]> gradients) {
        double squares = 0;
        for (float[] g : gradients.values()) {
            for (float v : g) {
                squares += (double) v * v;
            }
        }
        return Math.sqrt(squares);
    }

    private static float[] gradient(Parameters parameters, String name) {
        try (NDArray g = parameters.get(name).getGradient()) {
            return g.toFloatArray();
        }
    }

    @Test
    void clipsToTheMaxNormAndReturnsThePreClipNorm() {
        Parameters parameters = GradientFixture.parameters(manager, 1);
        Map<String, float[]> g = GradientFixture.gradients(2);
        GradientFixture.backward(parameters, g);
        double expected = norm(g);
        double maxNorm = expected / 4;

        assertEquals(expected, GradientClipping.clipGlobalNorm(parameters, maxNorm), 1e-5);

        double clipped = 0;
        for (String name : GradientFixture.NAMES) {
            float[] after = gradient(parameters, name);
            for (int i = 0; i < after.length; i++) {
                assertEquals(g.get(name)[i] * maxNorm / expected, after[i], 1e-6, name + "[" + i + "]");
                clipped += (double) after[i] * after[i];
            }
        }
        assertEquals(maxNorm, Math.sqrt(clipped), 1e-5);
    }

    @Test
    void gradientsBelowTheMaxNormAreLeftAlone() {
        Parameters parameters = GradientFixture.parameters(manager, 1);
        Map<String, float[]> g = GradientFixture.gradients(3);
        GradientFixture.backward(parameters, g);
        assertEquals(norm(g), GradientClipping.clipGlobalNorm(parameters, norm(g) * 2), 1e-5);
        assertArrayEquals(g.get("w"), gradient(parameters, "w"));
    }

    @Test
    void zeroMaxNormOnlyMeasures() {
        Parameters parameters = GradientFixture.parameters(manager, 1);
        Map<String, float[]> g = GradientFixture.gradients(4);
        GradientFixture.backward(parameters, g);
        assertEquals(norm(g), GradientClipping.clipGlobalNorm(parameters, 0), 1e-5);
        assertArrayEquals(g.get("b"), gradient(parameters, "b"));
    }

    @Test
    void frozenParametersAreLeftOut() {
        Parameters parameters = GradientFixture.parameters(manager, 1);
        Map<String, float[]> g = GradientFixture.gradients(5);
        GradientFixture.backward(parameters, g);
        parameters.freeze("b");
        assertEquals(norm(Map.of("w", g.get("w"))), GradientClipping.clipGlobalNorm(parameters, 0), 1e-5);
    }
}

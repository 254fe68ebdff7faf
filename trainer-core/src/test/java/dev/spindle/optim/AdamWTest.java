package dev.spindle.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.spindle.model.Parameters;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdamWTest {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.95;
    private static final double EPS = 1e-6;
    private static final double WEIGHT_DECAY = 0.1;

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void matchesAPlainJavaAdamWWithBiasCorrectionAndDecoupledDecay() {
        Parameters parameters = GradientFixture.parameters(manager, 5);
        Map<String, double[]> p = new HashMap<>();
        Map<String, double[]> m = new HashMap<>();
        Map<String, double[]> v = new HashMap<>();
        for (Map.Entry<String, float[]> e : GradientFixture.values(parameters).entrySet()) {
            double[] values = new double[e.getValue().length];
            for (int i = 0; i < values.length; i++) {
                values[i] = e.getValue()[i];
            }
            p.put(e.getKey(), values);
            m.put(e.getKey(), new double[values.length]);
            v.put(e.getKey(), new double[values.length]);
        }
        AdamW adamw = new AdamW(manager, BETA1, BETA2, EPS, WEIGHT_DECAY);
        float[] lrs = {0.01f, 0.02f, 0.005f, 0.01f, 0.03f};
        for (int t = 1; t <= lrs.length; t++) {
            Map<String, float[]> g = GradientFixture.gradients(t);
            GradientFixture.backward(parameters, g);
            adamw.step(parameters, lrs[t - 1]);
            for (String name : GradientFixture.NAMES) {
                double[] pp = p.get(name);
                double[] mm = m.get(name);
                double[] vv = v.get(name);
                float[] gg = g.get(name);
                for (int i = 0; i < pp.length; i++) {
                    pp[i] *= 1 - lrs[t - 1] * WEIGHT_DECAY;
                    mm[i] = BETA1 * mm[i] + (1 - BETA1) * gg[i];
                    vv[i] = BETA2 * vv[i] + (1 - BETA2) * gg[i] * gg[i];
                    double mHat = mm[i] / (1 - Math.pow(BETA1, t));
                    double vHat = vv[i] / (1 - Math.pow(BETA2, t));
                    pp[i] -= lrs[t - 1] * mHat / (Math.sqrt(vHat) + EPS);
                }
            }
        }
        for (String name : GradientFixture.NAMES) {
            float[] actual = parameters.get(name).toFloatArray();
            for (int i = 0; i < actual.length; i++) {
                assertEquals(p.get(name)[i], actual[i], 2e-6, name + "[" + i + "]");
            }
            assertEquals(5L, adamw.state().get("step/" + name).getLong());
        }
    }

    @Test
    void parameterThatNoBackwardReachedIsLeftAlone() {
        Parameters parameters = GradientFixture.parameters(manager, 5);
        NDArray unused = parameters.register("unused", manager.ones(new Shape(2)));
        GradientFixture.backward(parameters, GradientFixture.gradients(1));
        AdamW adamw = new AdamW(manager, BETA1, BETA2, EPS, WEIGHT_DECAY);
        adamw.step(parameters, 0.1f);
        assertArrayEquals(new float[] {1f, 1f}, unused.toFloatArray());
        assertTrue(adamw.state().containsKey("step/w"));
        assertTrue(!adamw.state().containsKey("step/unused"), adamw.state().keySet().toString());
    }

    @Test
    void stepZeroesTheGradients() {
        Parameters parameters = GradientFixture.parameters(manager, 5);
        GradientFixture.backward(parameters, GradientFixture.gradients(1));
        new AdamW(manager, BETA1, BETA2, EPS, 0).step(parameters, 0.01f);
        try (NDArray gradient = parameters.get("w").getGradient()) {
            assertEquals(0f, gradient.abs().sum().getFloat());
        }
    }

    @Test
    void stateIsEmptyBeforeTheFirstStepAndNamedAfterIt() {
        Parameters parameters = GradientFixture.parameters(manager, 5);
        AdamW adamw = new AdamW(manager, BETA1, BETA2, EPS, WEIGHT_DECAY);
        assertTrue(adamw.state().isEmpty());
        GradientFixture.backward(parameters, GradientFixture.gradients(1));
        adamw.step(parameters, 0.01f);
        assertEquals(Set.of("exp_avg/w", "exp_avg_sq/w", "step/w", "exp_avg/b", "exp_avg_sq/b", "step/b"),
                adamw.state().keySet());
        assertEquals(new Shape(3, 4), adamw.state().get("exp_avg_sq/w").getShape());
    }

    @Test
    void resumingFromSavedStateIsBitIdenticalToStraightTraining() {
        OptimizerResume.check(manager, m -> new AdamW(m, BETA1, BETA2, EPS, WEIGHT_DECAY), 4);
    }

    @Test
    void loadStateNamesWhatDoesNotFit() {
        AdamW adamw = new AdamW(manager, BETA1, BETA2, EPS, WEIGHT_DECAY);
        Map<String, NDArray> bad = new LinkedHashMap<>();
        bad.put("exp_avg/w", manager.zeros(new Shape(3, 4)));
        bad.put("exp_avg_sq/w", manager.zeros(new Shape(4, 3)));
        bad.put("momentum/w", manager.zeros(new Shape(3, 4)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> adamw.loadState(bad));
        assertTrue(e.getMessage().contains("momentum/w: unknown state name"), e.getMessage());
        assertTrue(e.getMessage().contains("exp_avg_sq/w: got shape (4, 3), expected (3, 4)"), e.getMessage());
        assertTrue(e.getMessage().contains("step/w: missing"), e.getMessage());
    }

    @Test
    void loadedStateForAnotherModelIsRejectedAtTheNextStep() {
        Parameters parameters = GradientFixture.parameters(manager, 5);
        AdamW adamw = new AdamW(manager, BETA1, BETA2, EPS, WEIGHT_DECAY);
        Map<String, NDArray> other = Map.of("exp_avg/x", manager.zeros(new Shape(2)),
                "exp_avg_sq/x", manager.zeros(new Shape(2)), "step/x", manager.create(3L));
        adamw.loadState(other);
        GradientFixture.backward(parameters, GradientFixture.gradients(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> adamw.step(parameters, 0.01f));
        assertTrue(e.getMessage().contains("x: has optimizer state but is not a trainable parameter"), e.getMessage());
        assertTrue(e.getMessage().contains("w: trainable but the loaded optimizer state has none"), e.getMessage());
    }

    @Test
    void stepsLeaveNoArraysBehind() {
        OptimizerResume.checkNoArraysLeftBehind(manager, m -> new AdamW(m, BETA1, BETA2, EPS, WEIGHT_DECAY));
    }
}

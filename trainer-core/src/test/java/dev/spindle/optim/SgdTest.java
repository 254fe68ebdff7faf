package dev.spindle.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.spindle.model.Parameters;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SgdTest {

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
    void plainSgdWithWeightDecayMatchesAJavaReference() {
        checkAgainstReference(0.0, false, 0.01);
    }

    @Test
    void momentumMatchesAJavaReference() {
        checkAgainstReference(0.9, false, 0.0);
    }

    @Test
    void nesterovMomentumWithWeightDecayMatchesAJavaReference() {
        checkAgainstReference(0.8, true, 0.05);
    }

    @Test
    void plainSgdKeepsNoState() {
        Parameters parameters = GradientFixture.parameters(manager, 3);
        Sgd sgd = new Sgd(manager, 0, false, 0);
        GradientFixture.backward(parameters, GradientFixture.gradients(0));
        sgd.step(parameters, 0.1f);
        assertTrue(sgd.state().isEmpty());
    }

    @Test
    void resumingWithMomentumIsBitIdenticalToStraightTraining() {
        OptimizerResume.check(manager, m -> new Sgd(m, 0.9, true, 0.01), 3);
    }

    @Test
    void nesterovWithoutMomentumIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Sgd(manager, 0, true, 0));
        assertEquals("nesterov: got true with momentum 0, expected momentum > 0", e.getMessage());
    }

    /** PyTorch's SGD with dampening 0, in doubles. */
    private void checkAgainstReference(double momentum, boolean nesterov, double weightDecay) {
        Parameters parameters = GradientFixture.parameters(manager, 3);
        Map<String, double[]> p = new HashMap<>();
        Map<String, double[]> buffers = new HashMap<>();
        for (Map.Entry<String, float[]> e : GradientFixture.values(parameters).entrySet()) {
            double[] values = new double[e.getValue().length];
            for (int i = 0; i < values.length; i++) {
                values[i] = e.getValue()[i];
            }
            p.put(e.getKey(), values);
        }
        Sgd sgd = new Sgd(manager, momentum, nesterov, weightDecay);
        float lr = 0.05f;
        for (int t = 0; t < 4; t++) {
            Map<String, float[]> g = GradientFixture.gradients(t);
            GradientFixture.backward(parameters, g);
            sgd.step(parameters, lr);
            for (String name : GradientFixture.NAMES) {
                double[] pp = p.get(name);
                double[] buffer = buffers.get(name);
                boolean first = buffer == null;
                if (first) {
                    buffer = new double[pp.length];
                    buffers.put(name, buffer);
                }
                for (int i = 0; i < pp.length; i++) {
                    double d = g.get(name)[i] + weightDecay * pp[i];
                    if (momentum != 0) {
                        buffer[i] = first ? d : momentum * buffer[i] + d;
                        d = nesterov ? d + momentum * buffer[i] : buffer[i];
                    }
                    pp[i] -= lr * d;
                }
            }
        }
        for (String name : GradientFixture.NAMES) {
            float[] actual = parameters.get(name).toFloatArray();
            for (int i = 0; i < actual.length; i++) {
                assertEquals(p.get(name)[i], actual[i], 2e-6, name + "[" + i + "]");
            }
        }
    }

    @Test
    void stepsLeaveNoArraysBehind() {
        OptimizerResume.checkNoArraysLeftBehind(manager, m -> new Sgd(m, 0.9, true, 0.01));
    }
}

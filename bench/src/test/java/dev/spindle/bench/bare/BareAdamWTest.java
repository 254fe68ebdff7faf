package dev.spindle.bench.bare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class BareAdamWTest {

    private static final float[] START = {0.5f, -1.5f, 2.0f, 0.0f};
    private static final float[][] GRADIENTS = {{0.1f, -0.2f, 3.0f, 0.0f}, {-0.4f, 0.05f, 1.0f, 1e-3f}, {0.2f, 0.2f, -2f, 5f}};

    /** torch.optim.AdamW's update in double precision, written from its documented algorithm. */
    private static double[] reference(double lr, double wd, double b1, double b2, double eps) {
        double[] p = new double[START.length];
        double[] m = new double[START.length];
        double[] v = new double[START.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = START[i];
        }
        for (int t = 1; t <= GRADIENTS.length; t++) {
            for (int i = 0; i < p.length; i++) {
                double g = GRADIENTS[t - 1][i];
                p[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mHat = m[i] / (1 - Math.pow(b1, t));
                double vHat = v[i] / (1 - Math.pow(b2, t));
                p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
            }
        }
        return p;
    }

    @Test
    void threeStepsMatchPyTorchAdamWFormula() {
        BareAdamW.Settings settings = new BareAdamW.Settings(0.01f, 0.1f, 0.9f, 0.999f, 1e-3f);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray p = manager.create(START.clone());
            p.setRequiresGradient(true);
            BareAdamW adamw = new BareAdamW(new NDList(p), settings);
            for (float[] gradient : GRADIENTS) {
                try (NDManager step = manager.newSubManager()) {
                    NDArray coefficients = step.create(gradient);
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        // d/dp sum(p * c) = c: the gradient is exactly the one the reference uses.
                        collector.backward(coefficients.mul(p).sum());
                    }
                    adamw.step();
                }
            }
            double[] expected = reference(0.01, 0.1, 0.9, 0.999, 1e-3);
            float[] actual = p.toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-6, "parameter element " + i);
            }
            assertEquals(3, adamw.steps());
            try (NDArray grad = p.getGradient()) {
                assertArrayEquals(new float[4], grad.toFloatArray(), "gradient is zeroed after the step");
            }
        }
    }

    @Test
    void parameterWithoutGradientIsRejectedByName() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray p = manager.zeros(new Shape(2));
            p.setName("layers.0.bias");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new BareAdamW(new NDList(p), BareAdamW.Settings.withRate(1e-3f)));
            assertTrue(e.getMessage().contains("'layers.0.bias'"), e.getMessage());
        }
    }

    @Test
    void settingsOutOfRangeAreRejectedWithField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BareAdamW.Settings(1e-3f, 0.01f, 1.0f, 0.999f, 1e-8f));
        assertTrue(e.getMessage().contains("beta1 is 1.0"), e.getMessage());
    }
}

package dev.spindle.optim;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.spindle.model.Parameters;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Small parameter sets with gradients chosen by the test: backward of {@code sum(p * G)} leaves
 * exactly {@code G} in each gradient, so optimizers can be checked against host arithmetic.
 */
final class GradientFixture {

    static final Map<String, Shape> SHAPES = Map.of("w", new Shape(3, 4), "b", new Shape(5));
    static final String[] NAMES = {"w", "b"};

    private GradientFixture() {}

    /** Parameters "w" [3,4] and "b" [5] with values drawn from {@code seed}. */
    static Parameters parameters(NDManager manager, long seed) {
        Map<String, float[]> values = new LinkedHashMap<>();
        Random random = new Random(seed);
        for (String name : NAMES) {
            values.put(name, randoms(random, (int) SHAPES.get(name).size()));
        }
        return parameters(manager, values);
    }

    static Parameters parameters(NDManager manager, Map<String, float[]> values) {
        Parameters parameters = new Parameters();
        for (String name : NAMES) {
            parameters.register(name, manager.create(values.get(name), SHAPES.get(name)));
        }
        return parameters;
    }

    /** The gradient of step {@code k}, reproducible and different at every step. */
    static Map<String, float[]> gradients(int k) {
        Random random = new Random(1000 + k);
        Map<String, float[]> gradients = new LinkedHashMap<>();
        for (String name : NAMES) {
            gradients.put(name, randoms(random, (int) SHAPES.get(name).size()));
        }
        return gradients;
    }

    /** Leaves exactly {@code gradients} in the parameters' gradients. */
    static void backward(Parameters parameters, Map<String, float[]> gradients) {
        NDManager owner = parameters.get(NAMES[0]).getManager();
        try (NDManager step = owner.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            for (String name : NAMES) {
                NDArray g = step.create(gradients.get(name), SHAPES.get(name));
                NDArray term = g.mul(parameters.get(name)).sum();
                loss = loss == null ? term : loss.add(term);
            }
            collector.backward(loss);
        }
    }

    static Map<String, float[]> values(Parameters parameters) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (String name : NAMES) {
            values.put(name, parameters.get(name).toFloatArray());
        }
        return values;
    }

    private static float[] randoms(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}

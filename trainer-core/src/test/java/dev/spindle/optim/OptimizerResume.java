package dev.spindle.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.spindle.model.Parameters;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Checks every optimizer must pass: training K steps, saving, restoring into fresh objects and
 * training K more equals 2K straight steps bit for bit; and steps leave no arrays behind.
 */
final class OptimizerResume {

    private OptimizerResume() {}

    static void check(NDManager manager, Function<NDManager, Optimizer> factory, int k) {
        Map<String, float[]> straight;
        try (NDManager run = manager.newSubManager()) {
            Parameters parameters = GradientFixture.parameters(run, 11);
            Optimizer optimizer = factory.apply(run);
            train(parameters, optimizer, 0, 2 * k);
            straight = GradientFixture.values(parameters);
        }
        Map<String, float[]> savedParameters;
        try (NDManager saved = manager.newSubManager()) {
            Map<String, NDArray> savedState = new LinkedHashMap<>();
            try (NDManager first = manager.newSubManager()) {
                Parameters parameters = GradientFixture.parameters(first, 11);
                Optimizer optimizer = factory.apply(first);
                train(parameters, optimizer, 0, k);
                savedParameters = GradientFixture.values(parameters);
                // a checkpoint outlives the objects that wrote it
                for (Map.Entry<String, NDArray> e : optimizer.state().entrySet()) {
                    NDArray copy = e.getValue().duplicate();
                    copy.attach(saved);
                    savedState.put(e.getKey(), copy);
                }
            }
            assertFalse(savedState.isEmpty(), "the optimizer must have state to save");
            try (NDManager second = manager.newSubManager()) {
                Parameters parameters = GradientFixture.parameters(second, savedParameters);
                Optimizer optimizer = factory.apply(second);
                optimizer.loadState(savedState);
                train(parameters, optimizer, k, 2 * k);
                for (String name : GradientFixture.NAMES) {
                    assertArrayEquals(straight.get(name), parameters.get(name).toFloatArray(), name);
                }
            }
        }
    }

    /** Steps after the first must not add arrays to the parameters' or the state's manager. */
    static void checkNoArraysLeftBehind(NDManager manager, Function<NDManager, Optimizer> factory) {
        try (NDManager own = manager.newSubManager(); NDManager stateManager = manager.newSubManager()) {
            Parameters parameters = GradientFixture.parameters(own, 11);
            Optimizer optimizer = factory.apply(stateManager);
            train(parameters, optimizer, 0, 1);
            int parameterArrays = own.getManagedArrays().size();
            int stateArrays = stateManager.getManagedArrays().size();
            train(parameters, optimizer, 1, 4);
            assertEquals(parameterArrays, own.getManagedArrays().size(), "arrays in the parameters' manager");
            assertEquals(stateArrays, stateManager.getManagedArrays().size(), "arrays in the state manager");
            assertEquals(stateArrays, optimizer.state().size(), "every state array is in the state manager");
        }
    }

    private static void train(Parameters parameters, Optimizer optimizer, int from, int to) {
        for (int step = from; step < to; step++) {
            GradientFixture.backward(parameters, GradientFixture.gradients(step));
            optimizer.step(parameters, 0.01f + 0.001f * step);
        }
    }
}

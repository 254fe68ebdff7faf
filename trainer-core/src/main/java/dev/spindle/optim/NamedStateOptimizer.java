package dev.spindle.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.spindle.model.Parameters;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What every Spindle optimizer shares: state arrays keyed {@code <kind>/<parameter>}, loading and
 * checking that state, and the step loop (grad mode off, temporaries scoped, gradients zeroed).
 */
abstract class NamedStateOptimizer implements Optimizer {

    private final NDManager stateManager;
    private final Map<String, NDArray> state = new LinkedHashMap<>();
    /** After {@link #loadState} the first step checks that the state covers exactly the model. */
    private boolean checkCoverage;

    NamedStateOptimizer(NDManager stateManager) {
        this.stateManager = stateManager;
    }

    /** The state kinds this optimizer keeps per parameter, e.g. {@code exp_avg}. */
    abstract List<String> kinds();

    /** The kinds that are scalars rather than parameter-shaped. */
    abstract Set<String> scalarKinds();

    /** Updates one parameter in place from its gradient; temporaries may be left to the scope. */
    abstract void update(String name, NDArray parameter, NDArray gradient, float lr);

    /** Called after {@link #loadState} so subclasses can refresh host-side mirrors. */
    void stateLoaded() {}

    @Override
    public final void step(Parameters parameters, float lr) {
        if (!(lr >= 0f && Float.isFinite(lr))) {
            throw new IllegalArgumentException("lr: got " + lr + ", expected a finite learning rate >= 0");
        }
        if (checkCoverage) {
            checkCoverage(parameters);
            checkCoverage = false;
        }
        // in-place updates of leaves that require gradients are refused while grad mode is on
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (String name : parameters.trainableNames()) {
                NDArray parameter = parameters.get(name);
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    // as in PyTorch, a parameter that no backward reached is left alone (no decay,
                    // no step count); NDArray.getGradient would hand back fresh zeros instead
                    NDArray gradient = JniUtils.getGradient((PtNDArray) parameter);
                    if (gradient != null) {
                        update(name, parameter, gradient, lr);
                    }
                }
                JniUtils.zeroGrad((PtNDArray) parameter);
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    @Override
    public final Map<String, NDArray> state() {
        return Collections.unmodifiableMap(state);
    }

    @Override
    public final void loadState(Map<String, NDArray> newState) {
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, NDArray>> byParameter = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> entry : newState.entrySet()) {
            String key = entry.getKey();
            int slash = key.indexOf('/');
            String kind = slash < 0 ? key : key.substring(0, slash);
            if (slash < 0 || !kinds().contains(kind)) {
                problems.add(key + ": unknown state name, expected <kind>/<parameter> with kind one of " + kinds());
                continue;
            }
            byParameter.computeIfAbsent(key.substring(slash + 1), p -> new LinkedHashMap<>()).put(kind, entry.getValue());
        }
        for (Map.Entry<String, Map<String, NDArray>> entry : byParameter.entrySet()) {
            Map<String, NDArray> kinds = entry.getValue();
            NDArray shaped = null;
            for (String kind : kinds()) {
                NDArray array = kinds.get(kind);
                if (array == null) {
                    problems.add(kind + "/" + entry.getKey() + ": missing, every parameter with state needs " + kinds());
                } else if (scalarKinds().contains(kind)) {
                    if (array.size() != 1) {
                        problems.add(kind + "/" + entry.getKey() + ": got shape " + array.getShape() + ", expected a scalar");
                    }
                } else if (shaped == null) {
                    shaped = array;
                } else if (!shaped.getShape().equals(array.getShape())) {
                    problems.add(kind + "/" + entry.getKey() + ": got shape " + array.getShape()
                            + ", expected " + shaped.getShape() + " like the parameter's other state");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("optimizer state does not fit: " + String.join("; ", problems));
        }
        clearState();
        for (Map.Entry<String, NDArray> entry : newState.entrySet()) {
            NDArray copy = entry.getValue().duplicate();
            copy.attach(stateManager);
            state.put(entry.getKey(), copy);
        }
        checkCoverage = true;
        stateLoaded();
    }

    /** The state array {@code kind/name}, or {@code null}. */
    final NDArray stateArray(String kind, String name) {
        return state.get(kind + "/" + name);
    }

    /** Keeps an array made during a step as state: it outlives the step's scope. */
    final NDArray keep(String kind, String name, NDArray array) {
        NDScope.unregister(array);
        array.attach(stateManager);
        NDArray previous = state.put(kind + "/" + name, array);
        if (previous != null && previous != array) {
            previous.close();
        }
        return array;
    }

    private void clearState() {
        for (NDArray array : state.values()) {
            array.close();
        }
        state.clear();
    }

    private void checkCoverage(Parameters parameters) {
        Set<String> withState = new TreeSet<>();
        for (String key : state.keySet()) {
            withState.add(key.substring(key.indexOf('/') + 1));
        }
        List<String> problems = new ArrayList<>();
        for (String name : withState) {
            if (!parameters.contains(name) || !parameters.isTrainable(name)) {
                problems.add(name + ": has optimizer state but is not a trainable parameter of the model");
                continue;
            }
            for (String kind : kinds()) {
                NDArray array = state.get(kind + "/" + name);
                if (!scalarKinds().contains(kind) && !array.getShape().equals(parameters.get(name).getShape())) {
                    problems.add(kind + "/" + name + ": got shape " + array.getShape()
                            + ", expected the parameter's " + parameters.get(name).getShape());
                }
            }
        }
        if (!withState.isEmpty()) {
            for (String name : parameters.trainableNames()) {
                if (!withState.contains(name)) {
                    problems.add(name + ": trainable but the loaded optimizer state has none for it");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("loaded optimizer state does not fit the model: "
                    + String.join("; ", problems));
        }
    }
}

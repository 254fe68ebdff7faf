package dev.spindle.model;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The named parameter tensors of a model, in the order the model registered them.
 *
 * <p>Names follow the Hugging Face convention of the architecture (for {@code gpt}, GPT-2's:
 * {@code transformer.h.0.attn.c_attn.weight}). A parameter is trainable unless frozen; only
 * trainable parameters carry gradients and optimizer state.
 */
public final class Parameters {

    private final Map<String, NDArray> arrays = new LinkedHashMap<>();
    private final Set<String> frozen = new TreeSet<>();

    /**
     * Adds a parameter and attaches a gradient to it.
     *
     * @throws IllegalArgumentException if the name is taken
     */
    public NDArray register(String name, NDArray array) {
        if (arrays.containsKey(name)) {
            throw new IllegalArgumentException("parameter '" + name + "' is registered twice");
        }
        array.setName(name);
        array.setRequiresGradient(true);
        arrays.put(name, array);
        return array;
    }

    /** The parameter called {@code name}. */
    public NDArray get(String name) {
        NDArray array = arrays.get(name);
        if (array == null) {
            throw new IllegalArgumentException(
                    "no parameter named '" + name + "'; the model has " + arrays.keySet());
        }
        return array;
    }

    /** Whether a parameter of that name exists. */
    public boolean contains(String name) {
        return arrays.containsKey(name);
    }

    /** Every name, in registration order. */
    public List<String> names() {
        return List.copyOf(arrays.keySet());
    }

    /** Every parameter by name, in registration order (read-only view). */
    public Map<String, NDArray> asMap() {
        return Collections.unmodifiableMap(arrays);
    }

    /** The names of the parameters that train, in registration order. */
    public List<String> trainableNames() {
        List<String> names = new ArrayList<>();
        for (String name : arrays.keySet()) {
            if (!frozen.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    /** Whether {@code name} trains. */
    public boolean isTrainable(String name) {
        get(name);
        return !frozen.contains(name);
    }

    /** Stops {@code name} from training: it keeps no gradient and gets no optimizer state. */
    public void freeze(String name) {
        get(name).setRequiresGradient(false);
        frozen.add(name);
    }

    /** The number of scalar values in all parameters. */
    public long count() {
        long total = 0;
        for (NDArray array : arrays.values()) {
            total += array.size();
        }
        return total;
    }

    /** The number of scalar values in the trainable parameters. */
    public long trainableCount() {
        long total = 0;
        for (String name : trainableNames()) {
            total += arrays.get(name).size();
        }
        return total;
    }

    /** The number of parameters. */
    public int size() {
        return arrays.size();
    }
}

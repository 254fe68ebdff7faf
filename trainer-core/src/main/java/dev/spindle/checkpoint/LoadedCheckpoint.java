package dev.spindle.checkpoint;

import ai.djl.ndarray.NDArray;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A checkpoint read back into memory. The arrays belong to the manager given to
 * {@link CheckpointStore#load}; closing that manager frees them.
 *
 * <pre>{@code
 * try (NDManager scratch = root.newSubManager()) {
 *     LoadedCheckpoint loaded = store.load(store.latest().orElseThrow(), scratch);
 *     loaded.parameters().forEach((name, array) -> parameters.get(name).set(new NDIndex("..."), array));
 * }
 * }</pre>
 *
 * @param parameters the model's tensors by name, in name order
 * @param optimizerState the optimizer's tensors by name, in name order
 */
public record LoadedCheckpoint(CheckpointInfo info, Map<String, NDArray> parameters,
                               Map<String, NDArray> optimizerState, TrainState state) {

    public LoadedCheckpoint {
        if (info == null || parameters == null || optimizerState == null || state == null) {
            throw new IllegalArgumentException("LoadedCheckpoint needs info, parameters, optimizerState and state;"
                    + " got info=" + info + ", state=" + state);
        }
        // Map.copyOf would lose the order; name order makes printing and comparing predictable.
        parameters = Collections.unmodifiableMap(new TreeMap<>(parameters));
        optimizerState = Collections.unmodifiableMap(new TreeMap<>(optimizerState));
    }
}

package dev.spindle.optim;

import ai.djl.ndarray.NDArray;
import dev.spindle.model.Parameters;
import java.util.Map;

/**
 * Updates a model's trainable parameters from their gradients, keeping its state under parameter
 * names so that a checkpoint can save and restore it exactly.
 *
 * <pre>{@code
 * Optimizer adamw = new AdamW(stateManager, 0.9, 0.95, 1e-8, 0.1);
 * // after backward, outside the GradientCollector:
 * adamw.step(model.parameters(), (float) schedule.lr(step));
 * checkpoint.put(adamw.state());
 * }</pre>
 */
public interface Optimizer {

    /** One update of every trainable parameter from its gradient, at learning rate lr; then zeroes the gradients. */
    void step(Parameters parameters, float lr);

    /**
     * Name-keyed state for checkpoints, e.g. "exp_avg/&lt;param&gt;", "exp_avg_sq/&lt;param&gt;",
     * "step/&lt;param&gt;" (step counts as int64 or float scalars). Empty before the first step. The
     * arrays are the optimizer's own: read or copy them before the next step, do not close them.
     */
    Map<String, NDArray> state();

    /** Replaces the state with copies of the given arrays; names or shapes that do not fit -> IllegalArgumentException naming them. */
    void loadState(Map<String, NDArray> state);
}

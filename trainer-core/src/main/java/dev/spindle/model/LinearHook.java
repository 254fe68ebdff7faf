package dev.spindle.model;

import ai.djl.ndarray.NDArray;

/**
 * Lets a fine-tuning method change what a model's named linear layers compute, without the model
 * knowing the method. A model that supports it calls the hook once per linear module and forward
 * pass, after it computed the layer's own output; with no hook installed the plain path runs
 * unchanged (one null check per layer).
 *
 * <pre>{@code
 * model.setLinearHook((module, input, output, training) ->
 *         module.endsWith("c_attn") ? output.add(extra(input)) : output);
 * model.setLinearHook(null);   // back to the plain model
 * }</pre>
 */
@FunctionalInterface
public interface LinearHook {

    /**
     * The layer's output as the model should use it.
     *
     * @param module the module's name, e.g. {@code transformer.h.0.attn.c_attn} (see
     *     {@link Model#linearModules()})
     * @param input what the layer read, {@code [..., in]}
     * @param output what the layer computed, {@code [..., out]}
     * @param training whether the forward pass trains (dropout on)
     * @return {@code output} itself or a new array of the same shape in the input's manager
     */
    NDArray apply(String module, NDArray input, NDArray output, boolean training);
}

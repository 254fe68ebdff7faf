package dev.spindle.model;

/**
 * A named linear layer of a model: the layer that {@link LinearHook}s see and that LoRA can target.
 * Its weight is the parameter {@code name + ".weight"} and its bias, if any, {@code name + ".bias"}.
 *
 * <pre>{@code
 * LinearModule attn = new LinearModule("transformer.h.0.attn.c_attn", 128, 384, true, true);
 * String weight = attn.weightName();   // transformer.h.0.attn.c_attn.weight, shape [128, 384]
 * }</pre>
 *
 * @param name the module name, Hugging Face style
 * @param inFeatures width of the input
 * @param outFeatures width of the output
 * @param fanInFanOut whether the weight is stored {@code [in, out]} (GPT-2's Conv1D) rather than
 *     {@code [out, in]} (torch {@code Linear})
 * @param hasBias whether the layer has a bias parameter
 */
public record LinearModule(String name, long inFeatures, long outFeatures, boolean fanInFanOut, boolean hasBias) {

    public LinearModule {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("LinearModule.name: got '" + name + "', expected a module name");
        }
        if (inFeatures < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("LinearModule " + name + ": got in=" + inFeatures + ", out="
                    + outFeatures + ", expected both >= 1");
        }
    }

    /** The weight parameter's name. */
    public String weightName() {
        return name + ".weight";
    }

    /** The bias parameter's name (check {@link #hasBias()} first). */
    public String biasName() {
        return name + ".bias";
    }
}

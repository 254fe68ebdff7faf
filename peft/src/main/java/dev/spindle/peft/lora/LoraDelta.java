package dev.spindle.peft.lora;

import ai.djl.ndarray.NDArray;

/**
 * The weight change an adapter stands for: {@code scale * B A} in torch Linear's {@code [out, in]}
 * layout, transposed to {@code [in, out]} for GPT-2's Conv1D ({@code fan_in_fan_out}). PEFT stores
 * {@code lora_A [r, in]} and {@code lora_B [out, r]} in Linear's layout for both kinds of layer.
 *
 * <pre>{@code
 * NDArray delta = LoraDelta.of(a, b, alpha / r, true);   // [in, out] for a Conv1D weight
 * weight.addi(delta);
 * }</pre>
 */
public final class LoraDelta {

    private LoraDelta() {}

    /**
     * The delta in the weight's layout; the result lives in {@code b}'s manager, so call it inside an
     * {@link ai.djl.ndarray.NDScope} or sub-manager.
     *
     * @throws IllegalArgumentException when A and B do not share the rank
     */
    public static NDArray of(NDArray a, NDArray b, double scale, boolean fanInFanOut) {
        if (a.getShape().dimension() != 2 || b.getShape().dimension() != 2 || a.getShape().get(0) != b.getShape().get(1)) {
            throw new IllegalArgumentException("LoRA pair does not fit: lora_A " + a.getShape() + " and lora_B "
                    + b.getShape() + ", expected [r, in] and [out, r]");
        }
        NDArray delta = b.matMul(a).mul(scale);
        return fanInFanOut ? delta.transpose() : delta;
    }
}

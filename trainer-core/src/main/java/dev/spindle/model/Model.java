package dev.spindle.model;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * A trainable network on one worker: named parameters and a forward pass.
 *
 * <p>Parameters live in the {@link ai.djl.ndarray.NDManager} the model was created with; arrays made
 * by {@link #forward} and {@link #loss} live in the manager of their input, so a training step that
 * works inside a sub-manager frees everything it made when that sub-manager closes.
 *
 * <pre>{@code
 * try (Model model = ModelRegistry.defaults().create(spec.model(), manager)) {
 *     NDArray logits = model.forward(tokens, true);
 *     NDArray loss = model.loss(logits, labels);
 * }
 * }</pre>
 */
public interface Model extends AutoCloseable {

    /** The registry name of the architecture, e.g. {@code gpt}. */
    String architecture();

    /** What the model reads: token ids or float features. */
    InputKind inputKind();

    /**
     * For {@link InputKind#TOKENS} the vocabulary size; for {@link InputKind#FEATURES} the number of
     * input features.
     */
    int inputSize();

    /** The longest sequence the model accepts ({@code 0} for models that read no sequence). */
    int contextLength();

    /** The parameters, in a fixed order, under Hugging Face style names. */
    Parameters parameters();

    /**
     * Runs the network. Tokens are {@code int32 [batch, time]} and give logits
     * {@code [batch, time, vocab]}; features are {@code float32 [batch, features]} and give
     * {@code [batch, classes]}.
     *
     * @param training whether dropout (if any) is active
     */
    NDArray forward(NDArray input, boolean training);

    /** Mean cross-entropy of {@code logits} against integer {@code labels} (a scalar). */
    NDArray loss(NDArray logits, NDArray labels);

    /**
     * The linear layers a {@link LinearHook} sees, in forward order; empty when the model offers
     * none.
     */
    default List<LinearModule> linearModules() {
        return List.of();
    }

    /**
     * Installs {@code hook} on every linear module ({@code null} removes it).
     *
     * @throws UnsupportedOperationException if the model has no linear modules to hook
     */
    default void setLinearHook(LinearHook hook) {
        throw new UnsupportedOperationException("model '" + architecture() + "' offers no linear hook;"
                + " LoRA and other adapters need an architecture that does (gpt, mlp)");
    }

    /** Frees the parameters. Safe to call twice. */
    @Override
    void close();

    /** What a model reads. */
    enum InputKind {
        TOKENS,
        FEATURES
    }
}

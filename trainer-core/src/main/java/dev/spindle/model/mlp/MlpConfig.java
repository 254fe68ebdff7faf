package dev.spindle.model.mlp;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.spindle.model.ModelConfigException;
import java.util.ArrayList;
import java.util.List;

/**
 * The shape of a multi-layer perceptron: {@code inputs -> hidden... -> classes}, ReLU between layers.
 *
 * <pre>{@code
 * MlpConfig mnist = new MlpConfig(784, List.of(512), 10);
 * }</pre>
 *
 * @param inputs number of input features
 * @param hidden widths of the hidden layers, in order; empty for a linear classifier
 * @param classes number of output classes
 */
public record MlpConfig(int inputs, List<Integer> hidden, int classes) {

    /** No hidden layer unless the spec names some. */
    public static final List<Integer> DEFAULT_HIDDEN = List.of();

    /** @throws ModelConfigException listing every field out of range */
    public MlpConfig {
        List<String> problems = new ArrayList<>();
        if (inputs <= 0) {
            problems.add("inputs: got " + inputs + ", expected a positive number of features");
        }
        if (classes <= 0) {
            problems.add("classes: got " + classes + ", expected a positive number of classes");
        }
        if (hidden == null) {
            problems.add("hidden: got null, expected a list of positive layer widths (may be empty)");
        } else {
            for (int i = 0; i < hidden.size(); i++) {
                Integer width = hidden.get(i);
                if (width == null || width <= 0) {
                    problems.add("hidden[" + i + "]: got " + width + ", expected a positive layer width");
                }
            }
        }
        ModelConfigException.throwIfAny(problems);
        hidden = List.copyOf(hidden);
    }

    /** Binds a spec node: {@code inputs} and {@code classes} are required, {@code hidden} defaults to none. */
    @JsonCreator
    static MlpConfig fromJson(@JsonProperty("inputs") Integer inputs,
            @JsonProperty("hidden") List<Integer> hidden,
            @JsonProperty("classes") Integer classes) {
        List<String> missing = new ArrayList<>();
        if (inputs == null) {
            missing.add("inputs: missing, expected a positive number of features");
        }
        if (classes == null) {
            missing.add("classes: missing, expected a positive number of classes");
        }
        ModelConfigException.throwIfAny(missing);
        return new MlpConfig(inputs, hidden == null ? DEFAULT_HIDDEN : hidden, classes);
    }

    /** Layer widths from input to output: {@code [inputs, hidden..., classes]}. */
    public List<Integer> widths() {
        List<Integer> widths = new ArrayList<>();
        widths.add(inputs);
        widths.addAll(hidden);
        widths.add(classes);
        return widths;
    }
}

package dev.spindle.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How to read a table: the float feature columns and the integer class-label column.
 *
 * <pre>{@code
 * TabularSpec t = new TabularSpec(List.of("x1", "x2"), "y");
 * }</pre>
 *
 * @param features feature columns in model-input order; empty means every float column except the label
 * @param label the column of class indices ({@code null} means {@link #DEFAULT_LABEL})
 */
public record TabularSpec(List<String> features, String label) {

    /** The label column name data preparation writes. */
    public static final String DEFAULT_LABEL = "label";

    /** Every field at its default. */
    public static final TabularSpec DEFAULT = new TabularSpec(List.of(), DEFAULT_LABEL);

    static final String PATH = "spec.data.tabular";

    public TabularSpec {
        // Not List.copyOf: it throws on a null element, which the checks below report with its index.
        features = features == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(features));
        label = label == null ? DEFAULT_LABEL : label;
        Checks c = new Checks(PATH);
        c.names("features", features, 0, "column name");
        c.nonBlank("label", label, "the name of the label column");
        if (features.contains(label)) {
            c.fail("features[" + features.indexOf(label) + "]", label,
                    "feature columns other than the label column '" + label + "'");
        }
        c.throwIfAny();
    }
}

package dev.spindle.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Turns raw text into the token dataset before training: the text files to read and the share held out
 * for evaluation. The prepared data is written to {@code data.uri} (and {@code data.evalUri}).
 *
 * <pre>{@code
 * PrepareSpec p = new PrepareSpec(List.of("corpus/*.txt"), 0.1);
 * }</pre>
 *
 * @param from text files or globs, at least one
 * @param evalFraction share of sequences held out for evaluation, in [0, 1)
 */
public record PrepareSpec(List<String> from, double evalFraction) {

    /** Five percent held out. */
    public static final double DEFAULT_EVAL_FRACTION = 0.05;

    static final String PATH = "spec.data.prepare";

    public PrepareSpec {
        from = from == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(from));
        Checks c = new Checks(PATH);
        c.names("from", from, 1, "text file or glob");
        c.fraction("evalFraction", evalFraction, false);
        c.throwIfAny();
    }
}

package dev.spindle.model;

import java.nio.file.Path;
import java.util.List;

/**
 * A weights file that does not fit the model: tensors missing, unexpected or of the wrong shape.
 * The message lists every offending tensor, with expected and found shape.
 *
 * <pre>{@code
 * try {
 *     WeightLoader.load(model.parameters(), file);
 * } catch (WeightMismatchException e) {
 *     e.problems().forEach(System.err::println);
 * }
 * }</pre>
 */
public final class WeightMismatchException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final List<String> problems;

    /** @param problems one line per offending tensor; at least one */
    public WeightMismatchException(Path file, List<String> problems) {
        super(file + " does not fit the model (" + problems.size() + " tensors):\n  "
                + String.join("\n  ", problems));
        this.file = file;
        this.problems = List.copyOf(problems);
    }

    /** The weights file. */
    public Path file() {
        return file;
    }

    /** One line per offending tensor. */
    public List<String> problems() {
        return problems;
    }
}

package dev.spindle.model;

import java.util.List;

/**
 * A model configuration that cannot be built; {@link #problems()} holds one line per problem, each
 * naming the field, the value and what was expected.
 *
 * <pre>{@code
 * try {
 *     registry.create("gpt", node, manager);
 * } catch (ModelConfigException e) {
 *     e.problems().forEach(System.err::println);
 * }
 * }</pre>
 */
public final class ModelConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /** @param problems one line per problem; at least one */
    public ModelConfigException(List<String> problems) {
        super(message(problems));
        this.problems = List.copyOf(problems);
    }

    /** Throws a {@code ModelConfigException} when {@code problems} is not empty. */
    public static void throwIfAny(List<String> problems) {
        if (!problems.isEmpty()) {
            throw new ModelConfigException(problems);
        }
    }

    /** Every problem, one line each. */
    public List<String> problems() {
        return problems;
    }

    private static String message(List<String> problems) {
        if (problems == null || problems.isEmpty()) {
            throw new IllegalArgumentException("a ModelConfigException needs at least one problem");
        }
        if (problems.size() == 1) {
            return "invalid model configuration: " + problems.get(0);
        }
        return "invalid model configuration (" + problems.size() + " problems):\n  "
                + String.join("\n  ", problems);
    }
}

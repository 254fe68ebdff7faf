package dev.spindle.launcher;

import java.util.List;

/**
 * A job that cannot run as given: every problem found before training, one line each. Nothing was
 * trained or written when this is thrown.
 */
public final class JobException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public JobException(List<String> problems) {
        super(String.join("\n", problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a JobException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public JobException(String problem) {
        this(List.of(problem));
    }

    /** Every problem, one line each. */
    public List<String> problems() {
        return problems;
    }
}

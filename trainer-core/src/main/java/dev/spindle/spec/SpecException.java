package dev.spindle.spec;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A job spec with one or more {@link Problem}s; every problem found is reported at once, so that a
 * user fixes the file in one pass.
 *
 * <pre>{@code
 * try {
 *     JobSpec job = SpecReader.read(Path.of("job.yaml"), List.of());
 * } catch (SpecException e) {
 *     System.err.println(e.getMessage());   // one line per problem
 * }
 * }</pre>
 */
public final class SpecException extends IllegalArgumentException {

    private final List<Problem> problems;

    /** @param problems at least one */
    public SpecException(List<Problem> problems) {
        super(lines(problems));
        this.problems = List.copyOf(problems);
    }

    /** Every problem, in the order found (document order, then cross-field rules). */
    public List<Problem> problems() {
        return problems;
    }

    private static String lines(List<Problem> problems) {
        if (problems == null || problems.isEmpty()) {
            throw new IllegalArgumentException("a SpecException needs at least one problem, got none");
        }
        return problems.stream().map(Problem::toString).collect(Collectors.joining("\n"));
    }
}

package dev.spindle.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
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

    private static final long serialVersionUID = 1L;

    private final List<Problem> problems;
    private final transient JsonNode document;

    /** @param problems at least one */
    public SpecException(List<Problem> problems) {
        this(problems, null);
    }

    /**
     * @param problems at least one
     * @param document the document as read, overrides applied, or {@code null} if it did not parse
     */
    public SpecException(List<Problem> problems, JsonNode document) {
        super(lines(problems));
        this.problems = List.copyOf(problems);
        this.document = document == null ? null : document.deepCopy();
    }

    /**
     * The document as read with the overrides applied, when it parsed: lets a caller check the
     * parts the spec reader leaves to others (the architecture's {@code spec.model.config}) and
     * report those problems in the same pass.
     */
    public Optional<JsonNode> document() {
        return Optional.ofNullable(document).map(JsonNode::deepCopy);
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

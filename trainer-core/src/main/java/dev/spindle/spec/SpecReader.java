package dev.spindle.spec;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads a job spec: parses the YAML, applies command-line overrides, fills defaults and validates,
 * reporting every problem at once in a {@link SpecException}.
 *
 * <pre>{@code
 * JobSpec job = SpecReader.read(Path.of("job.yaml"),
 *         List.of("spec.training.steps=30", "spec.data.tabular.features=[x1, x2]"));
 * }</pre>
 *
 * <p>An override is {@code path=value}: a dotted path from the document root and a value parsed as a
 * YAML scalar or flow collection. Missing intermediate mappings are created; an empty value resets the
 * field to its default; a path that is not a field is reported like any unknown field.
 */
public final class SpecReader {

    /** The path of problems about the document as a whole. */
    static final String DOCUMENT = "(document)";

    /** Duplicate keys are errors: with last-one-wins, a pasted section would silently replace another. */
    static final YAMLMapper YAML = YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private static final String STRING_SOURCE = "<yaml>";

    private SpecReader() {
    }

    /**
     * Reads the spec in {@code file} (UTF-8).
     *
     * @throws SpecException listing every problem, syntax errors named by file, line and column
     * @throws IOException when the file cannot be read
     */
    public static JobSpec read(Path file, List<String> overrides) throws IOException {
        return read(Files.readString(file), file.toString(), overrides);
    }

    /**
     * Reads a spec given as YAML text.
     *
     * @throws SpecException listing every problem
     */
    public static JobSpec read(String yaml, List<String> overrides) {
        return read(yaml, STRING_SOURCE, overrides);
    }

    private static JobSpec read(String yaml, String source, List<String> overrides) {
        Objects.requireNonNull(yaml, "yaml");
        Objects.requireNonNull(overrides, "overrides (pass List.of() for none)");
        List<Problem> problems = new ArrayList<>();
        JsonNode root = parse(yaml, source, problems);
        if (root != null) {
            if (root.isObject()) {
                Overrides.apply((ObjectNode) root, overrides, problems);
            }
            JobSpec job = SpecBinder.bind(root, problems);
            if (problems.isEmpty()) {
                return job;
            }
        }
        throw new SpecException(problems, root);
    }

    /** The single YAML document in {@code yaml}; an empty text reads as an empty mapping. */
    private static JsonNode parse(String yaml, String source, List<Problem> problems) {
        try (JsonParser parser = YAML.createParser(yaml)) {
            JsonNode root = YAML.readTree(parser);
            if (root == null || root.isNull() || root.isMissingNode()) {
                return YAML.createObjectNode();
            }
            if (parser.nextToken() != null) {
                problems.add(new Problem(DOCUMENT, "more than one YAML document",
                        "exactly one document: remove the '---' separators of the others"));
                return null;
            }
            return root;
        } catch (JacksonException e) {
            problems.add(syntaxProblem(source, e));
            return null;
        } catch (IOException e) {
            // Reading from a String performs no I/O; Jackson declares the exception for other sources.
            throw new IllegalStateException("reading YAML from memory failed: " + e.getMessage(), e);
        }
    }

    private static Problem syntaxProblem(String source, JacksonException e) {
        JsonLocation at = e.getLocation();
        String where = at == null ? source : source + " line " + at.getLineNr() + ", column " + at.getColumnNr();
        return new Problem(where, "a YAML syntax error (" + firstLine(e.getOriginalMessage()) + ")",
                "well-formed YAML: check the indentation and quoting there");
    }

    static String firstLine(String message) {
        if (message == null) {
            return "no details";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).strip();
    }
}

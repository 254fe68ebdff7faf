package dev.spindle.spec;

import java.util.List;

/**
 * Where the training data is and how to read it. Exactly one of {@code tokens} and {@code tabular} is
 * set, the one that {@code schema} names (filled with defaults when the YAML leaves it out).
 *
 * <pre>{@code
 * DataSpec d = new DataSpec("file:/data/train", "file:/data/eval", null, DataSpec.SCHEMA_TOKENS,
 *         TokensSpec.DEFAULT, null, DataSpec.DEFAULT_SHUFFLE_BUFFER, DataSpec.DEFAULT_PREFETCH, null);
 * }</pre>
 *
 * @param uri training data: a file, a directory or a glob, as a URI ({@code file:}, {@code abfss:}) or path
 * @param evalUri evaluation data, or {@code null} for none
 * @param format {@code arrow} or {@code parquet}, or {@code null} to infer it from the file extension when reading
 * @param schema {@code tokens} or {@code tabular}
 * @param shuffleBuffer rows or sequences in the shuffle buffer; {@code 0} keeps file order
 * @param prefetch batches read ahead on a background thread, at least 1
 * @param prepare text to tokenize into {@code uri} first, or {@code null}
 */
public record DataSpec(String uri, String evalUri, String format, String schema, TokensSpec tokens,
                       TabularSpec tabular, int shuffleBuffer, int prefetch, PrepareSpec prepare) {

    /** Sequences of token ids, for language models. */
    public static final String SCHEMA_TOKENS = "tokens";

    /** Float feature columns and an integer label, for classifiers. */
    public static final String SCHEMA_TABULAR = "tabular";

    /** Arrow IPC files. */
    public static final String FORMAT_ARROW = "arrow";

    /** Apache Parquet files, read row group by row group. */
    public static final String FORMAT_PARQUET = "parquet";

    /** Rows (tabular) or sequences (tokens) held in the shuffle buffer. */
    public static final int DEFAULT_SHUFFLE_BUFFER = 1024;

    /** Batches read ahead. */
    public static final int DEFAULT_PREFETCH = 4;

    static final String PATH = "spec.data";

    private static final List<String> SCHEMAS = List.of(SCHEMA_TOKENS, SCHEMA_TABULAR);
    private static final List<String> FORMATS = List.of(FORMAT_ARROW, FORMAT_PARQUET);

    public DataSpec {
        Checks c = new Checks(PATH);
        c.nonBlank("uri", uri, "the URI or path of the training data (a file, a directory or a glob)");
        c.optionalNonBlank("evalUri", evalUri, "the URI or path of the evaluation data, or no evalUri at all");
        if (format != null) {
            c.oneOf("format", format, FORMATS);
        }
        c.oneOf("schema", schema, SCHEMAS);
        if (SCHEMA_TOKENS.equals(schema)) {
            tokens = tokens == null ? TokensSpec.DEFAULT : tokens;
            forbid(c, "tabular", tabular, SCHEMA_TOKENS);
        } else if (SCHEMA_TABULAR.equals(schema)) {
            tabular = tabular == null ? TabularSpec.DEFAULT : tabular;
            forbid(c, "tokens", tokens, SCHEMA_TABULAR);
        }
        c.atLeast("shuffleBuffer", shuffleBuffer, 0);
        c.atLeast("prefetch", prefetch, 1);
        c.throwIfAny();
    }

    /** A section for the other schema is almost always a forgotten {@code schema:} line. */
    private static void forbid(Checks c, String field, Object section, String schema) {
        if (section != null) {
            c.add(new Problem(c.path(field), "a " + field + " section", "no " + field + " section while schema is '" + schema
                    + "' (set schema: " + field + " or remove the section)"));
        }
    }
}

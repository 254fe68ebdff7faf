package dev.spindle.spec;

/**
 * How to read token sequences: the column of token ids and the length of each training sequence.
 *
 * <pre>{@code
 * TokensSpec t = new TokensSpec("ids", 64);
 * }</pre>
 *
 * @param column the Arrow column of token ids ({@code null} means {@link #DEFAULT_COLUMN})
 * @param sequenceLength tokens per training sequence; {@code 0} takes the model's context length
 */
public record TokensSpec(String column, int sequenceLength) {

    /** The column name data preparation writes. */
    public static final String DEFAULT_COLUMN = "tokens";

    /** Zero: use the model's context length. */
    public static final int DEFAULT_SEQUENCE_LENGTH = 0;

    /** Every field at its default. */
    public static final TokensSpec DEFAULT = new TokensSpec(DEFAULT_COLUMN, DEFAULT_SEQUENCE_LENGTH);

    static final String PATH = "spec.data.tokens";

    public TokensSpec {
        column = column == null ? DEFAULT_COLUMN : column;
        Checks c = new Checks(PATH);
        c.nonBlank("column", column, "the name of the column of token ids");
        c.atLeast("sequenceLength", sequenceLength, 0);
        c.throwIfAny();
    }
}

package dev.spindle.data;

/**
 * A dataset that cannot be read as asked: no files at a URI, a missing or mistyped column, a file that
 * is not Arrow or is truncated, a cursor that belongs elsewhere. The message names the file and the
 * column where there is one, the value found and what was expected.
 *
 * <pre>{@code
 * try (BatchSource s = DataLoaders.open(options, null)) { ... }
 * catch (DataException e) { System.err.println(e.getMessage()); }
 * }</pre>
 */
public class DataException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An error with a complete, self-explaining message. */
    public DataException(String message) {
        super(message);
    }

    /** An error caused by a lower-level failure, which is kept as the cause. */
    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}

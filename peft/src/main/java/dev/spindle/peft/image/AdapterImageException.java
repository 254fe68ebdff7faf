package dev.spindle.peft.image;

/**
 * An adapter image could not be built, stored or read: a registry refused or could not be reached, a
 * layout directory could not be written, an image is not a Spindle adapter. The cause is kept.
 *
 * <pre>{@code
 * try {
 *     AdapterImages.push(dir, ImageRef.parse("myacr.azurecr.io/adapters/chat:v2"), false);
 * } catch (TagConflictException e) {
 *     // the tag holds another adapter: choose a new version or pass force
 * } catch (AdapterImageException e) {
 *     // registry or file system trouble; e.getCause() says what
 * }
 * }</pre>
 */
public class AdapterImageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A failure with its message. */
    public AdapterImageException(String message) {
        super(message);
    }

    /** A failure with its message and cause. */
    public AdapterImageException(String message, Throwable cause) {
        super(message, cause);
    }
}

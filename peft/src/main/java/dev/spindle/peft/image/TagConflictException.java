package dev.spindle.peft.image;

/**
 * A push was refused because the version tag already names a different adapter image. Versions are
 * immutable unless the caller forces the push.
 *
 * <pre>{@code
 * AdapterImages.push(dir, ref, false);   // throws TagConflictException if ref's tag holds another digest
 * AdapterImages.push(dir, ref, true);    // moves the tag
 * }</pre>
 */
public final class TagConflictException extends AdapterImageException {

    private static final long serialVersionUID = 1L;

    private final String existingDigest;
    private final String newDigest;

    /** {@code ref} already holds {@code existingDigest}; the adapter pushed is {@code newDigest}. */
    public TagConflictException(ImageRef ref, String existingDigest, String newDigest) {
        super(ref + " already holds another adapter (" + existingDigest + ", this one is " + newDigest
                + "); push it under a new version tag, or pass --force to move the tag");
        this.existingDigest = existingDigest;
        this.newDigest = newDigest;
    }

    /** The digest the tag names now. */
    public String existingDigest() {
        return existingDigest;
    }

    /** The digest of the adapter that was refused. */
    public String newDigest() {
        return newDigest;
    }
}

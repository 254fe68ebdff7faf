package dev.spindle.spec;

/**
 * Where and how often checkpoints are written, and how many are kept.
 *
 * <pre>{@code
 * CheckpointSpec c = CheckpointSpec.DEFAULT.withUri("file:/runs/tiny/checkpoints");
 * }</pre>
 *
 * @param uri checkpoint root as a URI or path; {@code null} means {@code <runDir>/checkpoints}, chosen by
 *     the launcher
 * @param everySteps steps between checkpoints; {@code 0} writes one only at the end
 * @param keep committed checkpoints retained, newest first
 */
public record CheckpointSpec(String uri, int everySteps, int keep) {

    public static final int DEFAULT_EVERY_STEPS = 0;
    public static final int DEFAULT_KEEP = 3;

    /** Launcher-chosen location, only at the end, keep three. */
    public static final CheckpointSpec DEFAULT = new CheckpointSpec(null, DEFAULT_EVERY_STEPS, DEFAULT_KEEP);

    static final String PATH = "spec.checkpoint";

    public CheckpointSpec {
        Checks c = new Checks(PATH);
        c.optionalNonBlank("uri", uri, "a URI or path for checkpoints, or no uri for <runDir>/checkpoints");
        c.atLeast("everySteps", everySteps, 0);
        c.atLeast("keep", keep, 1);
        c.throwIfAny();
    }

    /** The same policy at another location ({@code null} for the launcher's default). */
    public CheckpointSpec withUri(String newUri) {
        return new CheckpointSpec(newUri, everySteps, keep);
    }
}

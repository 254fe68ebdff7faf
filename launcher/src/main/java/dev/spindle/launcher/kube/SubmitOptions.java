package dev.spindle.launcher.kube;

/**
 * How to submit a job.
 *
 * @param resume start the coordinator with {@code --resume}, so the job continues from the newest committed
 *     checkpoint in {@code spec.checkpoint.uri} (what {@code spindle resume} does)
 */
public record SubmitOptions(boolean resume) {

    /** A fresh start. */
    public static final SubmitOptions DEFAULT = new SubmitOptions(false);

    public SubmitOptions withResume(boolean newResume) {
        return new SubmitOptions(newResume);
    }
}

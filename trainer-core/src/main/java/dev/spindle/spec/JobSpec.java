package dev.spindle.spec;

/**
 * A training job as written in YAML ({@code apiVersion: spindle.dev/v1}, {@code kind: TrainingJob}):
 * the root of the job spec. Immutable; validated on construction; see {@code docs/job-spec.md}.
 *
 * <pre>{@code
 * JobSpec job = SpecReader.read(Path.of("job.yaml"), List.of("spec.training.steps=30"));
 * JobSpec rerun = job.withName(job.metadata().name() + "-2");
 * String digest = SpecWriter.digest(rerun);
 * }</pre>
 */
public record JobSpec(String apiVersion, String kind, Metadata metadata, Spec spec) {

    /** The only spec version this build reads. */
    public static final String API_VERSION = "spindle.dev/v1";

    /** The only kind of document a job spec is. */
    public static final String KIND = "TrainingJob";

    public JobSpec {
        Checks c = new Checks("");
        checkHeader(c, apiVersion, kind);
        c.present("metadata", metadata, "an object with a name");
        c.present("spec", spec, "an object with model, data, optimizer and training");
        c.throwIfAny();
    }

    /** The same job under another name (a DNS-1123 label). */
    public JobSpec withName(String name) {
        return new JobSpec(apiVersion, kind, metadata.withName(name), spec);
    }

    /** The same job with another body, e.g. {@code job.withSpec(job.spec().withTraining(...))}. */
    public JobSpec withSpec(Spec newSpec) {
        return new JobSpec(apiVersion, kind, metadata, newSpec);
    }

    /** The header says which format the rest is in, so its message names the one this build reads. */
    private static void checkHeader(Checks c, String apiVersion, String kind) {
        if (apiVersion == null) {
            c.missing("apiVersion", "'" + API_VERSION + "'");
        } else if (!API_VERSION.equals(apiVersion)) {
            c.fail("apiVersion", apiVersion, "'" + API_VERSION + "' (the only version this Spindle reads)");
        }
        if (kind == null) {
            c.missing("kind", "'" + KIND + "'");
        } else if (!KIND.equals(kind)) {
            c.fail("kind", kind, "'" + KIND + "'");
        }
    }
}

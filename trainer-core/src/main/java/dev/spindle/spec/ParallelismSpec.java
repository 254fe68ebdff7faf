package dev.spindle.spec;

/**
 * How the job is spread over workers: the data-parallel degree (each worker holds a full replica and
 * takes its slice of every global batch) and how long a collective operation may wait for its peers.
 *
 * <pre>{@code
 * spec:
 *   parallelism:
 *     data: 4                        # workers, each a replica
 *     collectiveTimeoutSeconds: 60   # a peer silent this long fails the step
 * }</pre>
 *
 * @param data data-parallel workers to start with ({@code 1}: one process, no cluster)
 * @param collectiveTimeoutSeconds seconds a collective waits for a peer before the step fails and the
 *     job regroups
 */
public record ParallelismSpec(int data, int collectiveTimeoutSeconds) {

    public static final int DEFAULT_DATA = 1;
    public static final int DEFAULT_COLLECTIVE_TIMEOUT_SECONDS = 60;

    /** One worker. */
    public static final ParallelismSpec DEFAULT =
            new ParallelismSpec(DEFAULT_DATA, DEFAULT_COLLECTIVE_TIMEOUT_SECONDS);

    static final String PATH = "spec.parallelism";

    public ParallelismSpec {
        Checks c = new Checks(PATH);
        c.atLeast("data", data, 1);
        c.atLeast("collectiveTimeoutSeconds", collectiveTimeoutSeconds, 1);
        c.throwIfAny();
    }

    /** {@code data} workers, the default collective timeout. */
    public static ParallelismSpec data(int data) {
        return new ParallelismSpec(data, DEFAULT_COLLECTIVE_TIMEOUT_SECONDS);
    }
}

package dev.spindle.spec;

/**
 * How the job survives workers that fail and uses workers that join: after a failure it waits up to
 * {@code rendezvousTimeoutSeconds} for a replacement (started up to {@code maxRestarts} times), then
 * goes on with the workers present if there are at least {@code minWorkers}; workers that join later
 * grow the job, up to {@code maxWorkers}, at the next checkpoint. Both bounds count workers; the spec
 * checks {@code 1 <= minWorkers <= parallelism.worldSize() <= maxWorkers} (the world is
 * {@code data × tensor × pipeline}), and with model parallelism ({@code tensor × pipeline > 1}) that both
 * are multiples of {@code tensor × pipeline}, since workers come and go by whole model replicas; and
 * {@code training.batchSize >= maxWorkers / (tensor × pipeline)} (every replica needs at least one row
 * of the global batch).
 *
 * <pre>{@code
 * spec:
 *   parallelism: {data: 4}
 *   elastic:
 *     minWorkers: 2
 *     maxWorkers: 6
 *     maxRestarts: 3
 *     rendezvousTimeoutSeconds: 60
 * }</pre>
 *
 * @param minWorkers fewest workers the job trains with; below that it waits
 * @param maxWorkers most workers the job grows to
 * @param maxRestarts replacement workers started for failed ones, over the whole job
 * @param rendezvousTimeoutSeconds seconds to wait for the wanted number of workers after a failure
 */
public record ElasticSpec(int minWorkers, int maxWorkers, int maxRestarts, int rendezvousTimeoutSeconds) {

    public static final int DEFAULT_MAX_RESTARTS = 3;
    public static final int DEFAULT_RENDEZVOUS_TIMEOUT_SECONDS = 60;

    static final String PATH = "spec.elastic";

    public ElasticSpec {
        Checks c = new Checks(PATH);
        c.atLeast("minWorkers", minWorkers, 1);
        c.atLeast("maxWorkers", maxWorkers, Math.max(1, minWorkers));
        c.atLeast("maxRestarts", maxRestarts, 0);
        c.atLeast("rendezvousTimeoutSeconds", rendezvousTimeoutSeconds, 1);
        c.throwIfAny();
    }

    /** A fixed-size job of {@code workers} workers: no shrinking or growing, the default restarts and timeout. */
    public static ElasticSpec defaultsFor(int workers) {
        return new ElasticSpec(workers, workers, DEFAULT_MAX_RESTARTS, DEFAULT_RENDEZVOUS_TIMEOUT_SECONDS);
    }
}

package dev.spindle.cluster.worker;

import dev.spindle.checkpoint.CheckpointStore;
import java.time.Duration;

/**
 * What a worker process trains: the job's model, optimizer and data, rebuilt for every generation the
 * coordinator assigns. The launcher module implements it (it knows how a job spec becomes a model) and
 * registers a {@link WorkerTrainingProvider}; the worker's control loop ({@link WorkerMain}) owns the
 * cluster membership, the data plane and the generations.
 */
public interface WorkerTraining extends AutoCloseable {

    /**
     * Trains one generation from the checkpoint its assignment names (or from the start) until the job's
     * last step or until {@link Generation#stopRequested()} turns true, and returns the number of steps
     * done. A failed collective surfaces as the data plane's exception, and everything this generation
     * built is released before it propagates.
     */
    long train(Generation generation) throws Exception;

    /** Where this job's checkpoints are: shards are written here and the coordinator commits them. */
    CheckpointStore checkpoints();

    /** How long a collective waits for a peer before it fails (the job's {@code spec.parallelism}). */
    Duration collectiveTimeout();

    /**
     * How long the job waits for its workers ({@code spec.elastic.rendezvousTimeoutSeconds}); a worker also
     * gives up finding the coordinator after this long.
     */
    Duration rendezvousTimeout();

    /** The number of optimizer steps the job trains in all. */
    long totalSteps();

    @Override
    default void close() {}
}

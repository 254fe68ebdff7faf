package dev.spindle.cluster.control;

import java.util.List;

/**
 * What the coordinator tells one worker at the start of a generation: its rank, the world, the data-plane
 * address of every rank and the checkpoint to restore.
 *
 * <pre>{@code
 * Assignment a = worker.awaitAssignment(Duration.ofMinutes(5));
 * TcpCollectives c = listener.connect(a.generation(), a.rank(), a.peers().stream().map(PeerAddress::parse).toList(), timeout);
 * }</pre>
 *
 * @param generation the generation, increasing from 1; messages of older generations are dropped
 * @param rank this worker's rank in {@code [0, worldSize)}
 * @param worldSize the number of ranks of the generation
 * @param peers data-plane {@code host:port} of every rank, by rank
 * @param restoreStep the step of the newest committed checkpoint, or -1 to start from scratch
 * @param restoreCheckpoint that checkpoint's directory as the store describes it, or null
 * @param lastStep the step the job ends at: the spec's last step, or an earlier one the launcher was asked
 *     to stop at ({@code spindle train --stop-at}); workers train no further
 */
public record Assignment(long generation, int rank, int worldSize, List<String> peers, long restoreStep,
        String restoreCheckpoint, long lastStep) implements ControlMessage {

    /** An assignment of a job that runs to its spec's last step. */
    public Assignment(long generation, int rank, int worldSize, List<String> peers, long restoreStep,
                      String restoreCheckpoint) {
        this(generation, rank, worldSize, peers, restoreStep, restoreCheckpoint, Long.MAX_VALUE);
    }

    public Assignment {
        if (generation < 1) {
            throw new IllegalArgumentException("Assignment.generation must be >= 1, got " + generation);
        }
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("Assignment.rank must be in [0, worldSize), got rank " + rank
                    + " of worldSize " + worldSize);
        }
        if (peers == null || peers.size() != worldSize) {
            throw new IllegalArgumentException("Assignment.peers must hold one address per rank (" + worldSize
                    + "), got " + (peers == null ? "null" : peers.size()));
        }
        peers = List.copyOf(peers);
        if (lastStep < 1) {
            throw new IllegalArgumentException("Assignment.lastStep must be >= 1, got " + lastStep);
        }
        if (restoreStep < -1) {
            throw new IllegalArgumentException("Assignment.restoreStep must be >= -1, got " + restoreStep);
        }
    }

    /** Whether the worker starts from a committed checkpoint rather than from scratch. */
    public boolean restores() {
        return restoreStep >= 0;
    }
}

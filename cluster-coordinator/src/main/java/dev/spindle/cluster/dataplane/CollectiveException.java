package dev.spindle.cluster.dataplane;

/**
 * A collective of the TCP data plane failed: a peer closed or reset its connection, did not answer
 * within the collective timeout, failed the handshake, or the group was {@linkplain TcpCollectives#abort
 * aborted}. The message names the peer rank, its address and the generation; after this exception the
 * group is broken for good and the caller should report the failure and wait for the next generation.
 *
 * <pre>{@code
 * try {
 *     collectives.allReduce(gradients, ReduceOp.AVG);
 * } catch (CollectiveException e) {
 *     worker.reportFailure(e.generation(), rank, e.getMessage());
 * }
 * }</pre>
 */
public class CollectiveException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** {@link #peer()} when no single peer is to blame (an abort, a closed group). */
    public static final int NO_PEER = -1;

    private final int peer;
    private final long generation;

    public CollectiveException(String message, int peer, long generation, Throwable cause) {
        super(message, cause);
        this.peer = peer;
        this.generation = generation;
    }

    public CollectiveException(String message, int peer, long generation) {
        this(message, peer, generation, null);
    }

    /** The rank whose link failed, or {@link #NO_PEER}. */
    public int peer() {
        return peer;
    }

    /** The generation of the group that failed. */
    public long generation() {
        return generation;
    }
}

package dev.spindle.collective;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * Communication among the ranks of one process group, on host buffers.
 *
 * <p>Every rank of the group calls the same collectives in the same order. Buffers are read and
 * written from their position to their limit; positions are left as they were. Gradients reach
 * these calls through the direct buffers DJL exposes, so nothing is copied on the way out of
 * libtorch.
 *
 * <p>With one rank every collective is the identity ({@link #single()}).
 */
public interface Collectives extends AutoCloseable {

    /** This caller's rank, {@code 0 <= rank < worldSize}. */
    int rank();

    /** The number of ranks in the group. */
    int worldSize();

    /** Combines {@code data} across ranks, in place: afterwards every rank holds the result. */
    void allReduce(FloatBuffer data, ReduceOp op);

    /**
     * Combines {@code input} (worldSize equal chunks) across ranks; rank {@code r} receives the
     * reduced chunk {@code r} in {@code output}, which holds {@code input.remaining() / worldSize}.
     */
    void reduceScatter(FloatBuffer input, FloatBuffer output, ReduceOp op);

    /**
     * Concatenates every rank's {@code input} in rank order into {@code output}, which holds
     * {@code worldSize * input.remaining()}.
     */
    void allGather(FloatBuffer input, FloatBuffer output);

    /** Copies {@code root}'s bytes into every other rank's {@code data}. */
    void broadcast(ByteBuffer data, int root);

    /** Sends {@code data} to {@code peer}; returns once the bytes are handed over. */
    void send(ByteBuffer data, int peer);

    /** Receives exactly {@code data.remaining()} bytes from {@code peer} into {@code data}. */
    void recv(ByteBuffer data, int peer);

    /** Returns once every rank has entered the barrier. */
    void barrier();

    /**
     * A view of some ranks of this group as a group of their own: {@code members} are ranks of this
     * group, listed in the order of the new group's ranks, and must include this caller. Every member
     * calls it with the same list; other ranks don't call it. No communication happens. The view has
     * its own buffers and state, so it may be used from another thread than this group and its other
     * views, as long as no two threads read from the same peer at once or write to the same peer at
     * once. Closing a view leaves this group open; closing or aborting this group (or a failure in any
     * view) breaks this group and every view of it.
     *
     * <pre>{@code
     * // world of 4 = 2 tensor groups {0,1} {2,3}; ranks 0 and 1 both call:
     * Collectives tensor = world.subGroup(0, 1);
     * tensor.allReduce(partialSums, ReduceOp.SUM);   // among world ranks 0 and 1 only
     * }</pre>
     *
     * @throws IllegalArgumentException if {@code members} is empty, repeats a rank, names a rank
     *     outside this group, or leaves out this caller
     */
    Collectives subGroup(int... members);

    /** Releases connections and threads. Safe to call twice. */
    @Override
    void close();

    /** The group of one: every collective is the identity. */
    static Collectives single() {
        return SingleRank.INSTANCE;
    }
}

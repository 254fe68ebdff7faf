package dev.spindle.collective;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/** The group of one rank: reductions and broadcasts leave data as it is. */
final class SingleRank implements Collectives {

    static final SingleRank INSTANCE = new SingleRank();

    private SingleRank() {}

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int worldSize() {
        return 1;
    }

    @Override
    public void allReduce(FloatBuffer data, ReduceOp op) {
        // One rank: the sum, mean, max and min of one value is that value.
    }

    @Override
    public void reduceScatter(FloatBuffer input, FloatBuffer output, ReduceOp op) {
        if (output.remaining() != input.remaining()) {
            throw new IllegalArgumentException("reduceScatter with one rank needs output of "
                    + input.remaining() + " floats, got " + output.remaining());
        }
        output.duplicate().put(input.duplicate());
    }

    @Override
    public void allGather(FloatBuffer input, FloatBuffer output) {
        reduceScatter(input, output, ReduceOp.SUM);
    }

    @Override
    public void broadcast(ByteBuffer data, int root) {
        checkPeer(root);
    }

    @Override
    public void send(ByteBuffer data, int peer) {
        throw new IllegalStateException("send to rank " + peer + " in a group of one rank");
    }

    @Override
    public void recv(ByteBuffer data, int peer) {
        throw new IllegalStateException("recv from rank " + peer + " in a group of one rank");
    }

    @Override
    public void barrier() {}

    /** The only sub-group of a group of one is itself: {@code subGroup(0)}. */
    @Override
    public Collectives subGroup(int... members) {
        SubGroupMembers.rankOf(0, 1, members);
        return this;
    }

    @Override
    public void close() {}

    private static void checkPeer(int peer) {
        if (peer != 0) {
            throw new IllegalArgumentException("rank " + peer + " does not exist in a group of one");
        }
    }
}

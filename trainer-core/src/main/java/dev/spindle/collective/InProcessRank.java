package dev.spindle.collective;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One rank's view of an {@link InProcessGroup}. Each collective is two phases: every rank deposits
 * its buffers and meets the others (the last to arrive checks that the calls agree), each reads its
 * peers' buffers, and everyone meets again before anyone returns, so no caller can change a buffer
 * another rank is still reading.
 *
 * <p>A sub-group view is a rank of the member list's own group ({@link InProcessGroup#subGroup}), so its
 * collectives meet only its members; closing this rank closes the views it made.
 */
final class InProcessRank implements Collectives {

    private final InProcessGroup group;
    private final int rank;
    /** The rank whose {@link #subGroup} made this view, or null for a rank of a world group. */
    private final InProcessRank parent;
    private final List<InProcessRank> views = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    InProcessRank(InProcessGroup group, int rank) {
        this(group, rank, null);
    }

    private InProcessRank(InProcessGroup group, int rank, InProcessRank parent) {
        this.group = group;
        this.rank = rank;
        this.parent = parent;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return group.size();
    }

    @Override
    public void allReduce(FloatBuffer data, ReduceOp op) {
        InProcessGroup.Call[] calls = meet(InProcessGroup.Call.of("allReduce", data, null, op, -1));
        int n = group.size();
        int length = data.remaining();
        float[] result = group.scratch();
        // Each rank reduces its own slice of the shared result; all slices use the same rank order.
        int from = (int) ((long) length * rank / n);
        int to = (int) ((long) length * (rank + 1) / n);
        reduceInto(calls, from, to, op, result, from);
        group.await("allReduce", rank);
        // Safe without a third meeting: every peer finished reading this buffer before the second one,
        // and the next collective gets a fresh result array.
        data.put(data.position(), result, 0, length);
    }

    @Override
    public void reduceScatter(FloatBuffer input, FloatBuffer output, ReduceOp op) {
        InProcessGroup.Call[] calls = meet(InProcessGroup.Call.of("reduceScatter", input, output, op, -1));
        int chunk = output.remaining();
        float[] result = new float[chunk];
        reduceInto(calls, rank * chunk, (rank + 1) * chunk, op, result, 0);
        output.put(output.position(), result, 0, chunk);
        group.await("reduceScatter", rank);
    }

    @Override
    public void allGather(FloatBuffer input, FloatBuffer output) {
        InProcessGroup.Call[] calls = meet(InProcessGroup.Call.of("allGather", input, output, null, -1));
        int length = input.remaining();
        for (int peer = 0; peer < calls.length; peer++) {
            FloatBuffer source = (FloatBuffer) calls[peer].input();
            output.put(output.position() + peer * length, source, source.position(), length);
        }
        group.await("allGather", rank);
    }

    @Override
    public void broadcast(ByteBuffer data, int root) {
        group.checkPeer(root, "broadcast root");
        InProcessGroup.Call[] calls = meet(InProcessGroup.Call.of("broadcast", data, null, null, root));
        if (rank != root) {
            ByteBuffer source = (ByteBuffer) calls[root].input();
            data.put(data.position(), source, source.position(), data.remaining());
        }
        group.await("broadcast", rank);
    }

    @Override
    public void send(ByteBuffer data, int peer) {
        checkOpen();
        group.checkPeer(peer, "send peer");
        if (peer == rank) {
            throw new IllegalArgumentException("rank " + rank + " cannot send to itself");
        }
        byte[] copy = new byte[data.remaining()];
        data.get(data.position(), copy);
        group.post(rank, peer, copy);
    }

    @Override
    public void recv(ByteBuffer data, int peer) {
        checkOpen();
        group.checkPeer(peer, "recv peer");
        if (peer == rank) {
            throw new IllegalArgumentException("rank " + rank + " cannot receive from itself");
        }
        byte[] message = group.take(peer, rank);
        if (message.length != data.remaining()) {
            throw new IllegalArgumentException("rank " + rank + " expected " + data.remaining()
                    + " bytes from rank " + peer + " but rank " + peer + " sent " + message.length);
        }
        data.put(data.position(), message);
    }

    @Override
    public void barrier() {
        meet(InProcessGroup.Call.of("barrier", null, null, null, -1));
    }

    @Override
    public Collectives subGroup(int... members) {
        checkOpen();
        group.checkNotBroken("subGroup", rank);
        int viewRank = SubGroupMembers.rankOf(rank, group.size(), members);
        InProcessRank view = new InProcessRank(group.subGroup(members.clone()), viewRank, this);
        views.add(view);
        return view;
    }

    @Override
    public void close() {
        closed = true;
        for (InProcessRank view : views) {
            view.close();
        }
        if (parent != null) {
            parent.views.remove(this); // a closed view needs no closing later
        }
    }

    private InProcessGroup.Call[] meet(InProcessGroup.Call call) {
        checkOpen();
        return group.meet(rank, call);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("rank " + rank + " of this in-process group is closed");
        }
    }

    /** Reduces elements [from, to) of every rank's input, rank 0 first, into {@code out} at {@code at}. */
    private static void reduceInto(InProcessGroup.Call[] calls, int from, int to, ReduceOp op, float[] out, int at) {
        int length = to - from;
        if (length <= 0) {
            return;
        }
        float[] peer = new float[length];
        for (int r = 0; r < calls.length; r++) {
            FloatBuffer input = (FloatBuffer) calls[r].input();
            float[] target = r == 0 ? out : peer;
            input.get(input.position() + from, target, r == 0 ? at : 0, length);
            if (r == 0) {
                continue;
            }
            for (int i = 0; i < length; i++) {
                float a = out[at + i];
                float b = peer[i];
                out[at + i] = switch (op) {
                    case SUM, AVG -> a + b;
                    case MAX -> Math.max(a, b);
                    case MIN -> Math.min(a, b);
                };
            }
        }
        if (op == ReduceOp.AVG) {
            float n = calls.length;
            for (int i = 0; i < length; i++) {
                out[at + i] /= n;
            }
        }
    }
}

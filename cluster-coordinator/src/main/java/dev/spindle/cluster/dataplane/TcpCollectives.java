package dev.spindle.cluster.dataplane;

import dev.spindle.collective.Collectives;
import dev.spindle.collective.ReduceOp;
import dev.spindle.collective.SubGroupMembers;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The collectives of one generation over TCP between worker processes: ring all-reduce
 * (reduce-scatter then all-gather), reduce-scatter, all-gather, a pipelined ring broadcast,
 * point-to-point send/recv and a ring barrier. Made by {@link DataPlaneListener#connect}.
 *
 * <p>All links are non-blocking NIO channels on one selector: in each ring step a rank writes a chunk to
 * its right neighbour while it reads a chunk from its left one, so both directions of every socket carry
 * data at once (with two ranks, both directions of the single socket). A rank streams the segment it
 * sends from a direct staging buffer (little-endian) without waiting, while it reduces what arrives in
 * blocks of {@link #BLOCK_FLOATS} as soon as they are complete, still in cache, so its own arithmetic
 * never stalls its neighbours. Every segment a ring step sends, except a ring's first, is the one the
 * previous step received, so a rank writes each result block straight into the next step's staging
 * buffer as it computes it (partial sums never go back to the caller's buffer): per reduce-scatter step
 * the caller's memory is read once and written at most once. The caller's buffers may be heap or direct views of libtorch memory. Every collective starts with a 16-byte header exchanged with the
 * neighbours, so ranks that disagree on the collective, the operation or the size fail at once with
 * a message instead of corrupting each other's data. No read or write waits longer than the
 * collective timeout without progress; any failure throws {@link CollectiveException} naming the
 * peer, its address and the generation, and breaks the group for good (as {@link #abort} does).
 *
 * <p>Results: SUM/AVG are summed in ring order (each segment starting from a different rank), so they
 * equal {@code InProcessCollectives} within float rounding and are bit-identical on every rank;
 * MAX/MIN are exact. One thread at a time may call the collectives of one group or view; {@link #abort}
 * may come from any thread.
 *
 * <p>{@link #subGroup} makes a view over some of the ranks that reuses this group's sockets with its own
 * selector (a channel registers with several), staging buffers and headers, so views can run on
 * different threads at once: one thread sending to a peer on one view while another receives from it
 * on a second view and a third all-reduces on a view over other peers. Two threads must not read from
 * the same peer at once, nor write to the same peer at once: the bytes of one direction of a socket are
 * one stream. Views share the abort state: aborting, closing or a failure of the group or of any view
 * breaks them all; closing a view only releases its selector. A view names its peers by view rank and
 * world rank; {@link CollectiveException#peer()} is always the world rank.
 *
 * <pre>{@code
 * TcpCollectives c = listener.connect(generation, rank, peers, Duration.ofSeconds(60));
 * worker.onGenerationEnded(g -> c.abort("generation " + g + " ended"));
 * c.allReduce(gradients, ReduceOp.AVG);
 * TcpCollectives tensor = c.subGroup(0, 1);   // on ranks 0 and 1
 * }</pre>
 */
public final class TcpCollectives implements Collectives {

    /** Size of the receive buffer a ring step reads into (reduced block by block as it fills), and the broadcast pipeline's chunk. */
    public static final int CHUNK_BYTES = 1 << 20;

    /** Floats reduced at a time, through arrays small enough to stay in cache. */
    static final int BLOCK_FLOATS = 16 * 1024;

    /** How far ahead of the socket the outgoing segment is staged. */
    private static final int STAGE_AHEAD_BYTES = 1 << 20;

    private static final int HEADER_BYTES = 16;
    private static final int ALL_REDUCE = 1;
    private static final int REDUCE_SCATTER = 2;
    private static final int ALL_GATHER = 3;
    private static final int BROADCAST = 4;
    private static final int SEND = 5;
    private static final int BARRIER = 6;

    private final long generation;
    private final int rank;
    private final int size;
    private final List<PeerAddress> peers;
    /** The world rank of each rank of this group: the identity for the group {@link DataPlaneListener} made. */
    private final int[] world;
    /** Whether this is the group {@link DataPlaneListener} made (its close breaks every view), not a view. */
    private final boolean root;
    private final SharedAbort shared;
    private final SocketChannel[] links;
    private final SelectionKey[] keys;
    private final Selector selector;
    private final long timeoutNanos;
    /** Holds a whole outgoing ring segment (grown on demand), so sends never wait for reductions. */
    // The three stages are made by the first ring (ensureStages), so a view that only sends and
    // receives (a pipeline's) holds no direct memory of its own.
    private ByteBuffer sendStage;
    private FloatBuffer sendFloats;
    /** Receives the segment the next ring step sends, as this step produces it (swapped with sendStage). */
    private ByteBuffer nextStage;
    private FloatBuffer nextFloats;
    private ByteBuffer recvStage;
    private FloatBuffer recvFloats;
    private final ByteBuffer headerOut = ByteBuffer.allocate(HEADER_BYTES);
    private final ByteBuffer headerIn = ByteBuffer.allocate(HEADER_BYTES);
    private final float[] mine = new float[BLOCK_FLOATS];
    private final float[] theirs = new float[BLOCK_FLOATS];
    private FloatBuffer scratch;
    private volatile boolean closed;

    TcpCollectives(long generation, int rank, List<PeerAddress> peers, SocketChannel[] links, Duration timeout)
            throws IOException {
        this(generation, rank, peers, links, IntStream.range(0, peers.size()).toArray(),
                timeout.toNanos(), new SharedAbort(links), true);
    }

    private TcpCollectives(long generation, int rank, List<PeerAddress> peers, SocketChannel[] links, int[] world,
                           long timeoutNanos, SharedAbort shared, boolean root) throws IOException {
        this.generation = generation;
        this.rank = rank;
        this.size = peers.size();
        this.peers = List.copyOf(peers);
        this.world = world;
        this.root = root;
        this.shared = shared;
        this.links = links.clone();
        this.timeoutNanos = timeoutNanos;
        this.selector = Selector.open();
        shared.register(selector);
        this.keys = new SelectionKey[size];
        try {
            for (int peer = 0; peer < size; peer++) {
                if (links[peer] != null) {
                    keys[peer] = links[peer].register(selector, 0);
                }
            }
        } catch (IOException | RuntimeException e) {
            shared.release(selector);
            throw e;
        }
    }

    /** The generation this group was connected for. */
    public long generation() {
        return generation;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return size;
    }

    @Override
    public void allReduce(FloatBuffer data, ReduceOp op) {
        requireOp(op, "allReduce");
        int length = data.remaining();
        agree(ALL_REDUCE, op.ordinal(), length, "allReduce");
        if (size == 1) {
            return;
        }
        int base = data.position();
        reduceScatterRing(data, base, length, op, true);
        allGatherRing(data, base, length, true);
    }

    @Override
    public void reduceScatter(FloatBuffer input, FloatBuffer output, ReduceOp op) {
        requireOp(op, "reduceScatter");
        int length = input.remaining();
        if (length % size != 0) {
            throw new IllegalArgumentException("reduceScatter input of " + length + " floats does not split into "
                    + size + " equal chunks");
        }
        if (output.remaining() != length / size) {
            throw new IllegalArgumentException("reduceScatter of " + length + " floats on " + size + " ranks needs an"
                    + " output of " + length / size + " floats, got " + output.remaining());
        }
        agree(REDUCE_SCATTER, op.ordinal(), length, "reduceScatter");
        FloatBuffer work = scratch(length);
        work.put(0, input, input.position(), length);
        if (size > 1) {
            reduceScatterRing(work, 0, length, op, false);
        }
        int chunk = length / size;
        output.put(output.position(), work, rank * chunk, chunk);
    }

    @Override
    public void allGather(FloatBuffer input, FloatBuffer output) {
        int length = input.remaining();
        if (output.remaining() != (long) length * size) {
            throw new IllegalArgumentException("allGather of " + length + " floats on " + size + " ranks needs an"
                    + " output of " + (long) length * size + " floats, got " + output.remaining());
        }
        agree(ALL_GATHER, 0, length, "allGather");
        output.put(output.position() + rank * length, input, input.position(), length);
        if (size > 1) {
            allGatherRing(output, output.position(), length * size, false);
        }
    }

    @Override
    public void broadcast(ByteBuffer data, int root) {
        checkPeer(root, "broadcast root");
        int length = data.remaining();
        agree(BROADCAST, root, length, "broadcast");
        if (size == 1) {
            return;
        }
        int distance = Math.floorMod(rank - root, size);
        int right = right();
        int left = left();
        int chunks = (length + CHUNK_BYTES - 1) / CHUNK_BYTES;
        int base = data.position();
        boolean forwards = distance < size - 1;
        // Chunk c arrives from the left in round c and leaves to the right in round c + 1 (at the root: round c).
        for (int round = 0; round <= chunks; round++) {
            ByteBuffer out = null;
            ByteBuffer in = null;
            int outChunk = distance == 0 ? round : round - 1;
            if (forwards && outChunk >= 0 && outChunk < chunks) {
                out = slice(data, base, length, outChunk);
            }
            if (distance > 0 && round < chunks) {
                in = slice(data, base, length, round);
            }
            if (out != null || in != null) {
                exchange(out == null ? -1 : right, out, in == null ? -1 : left, in, "broadcast");
            }
        }
    }

    @Override
    public void send(ByteBuffer data, int peer) {
        checkPeer(peer, "send peer");
        if (peer == rank) {
            throw new IllegalArgumentException("rank " + rank + " cannot send to itself");
        }
        header(SEND, 0, data.remaining());
        exchange(peer, headerOut, -1, null, "send");
        exchange(peer, data.duplicate(), -1, null, "send");
    }

    @Override
    public void recv(ByteBuffer data, int peer) {
        checkPeer(peer, "recv peer");
        if (peer == rank) {
            throw new IllegalArgumentException("rank " + rank + " cannot receive from itself");
        }
        headerIn.clear();
        exchange(-1, null, peer, headerIn, "recv");
        int kind = headerIn.getInt(0);
        long count = headerIn.getLong(8);
        if (kind != SEND || count != data.remaining()) {
            throw fail("recv", peer, "rank " + rank + " expected a send of " + data.remaining() + " bytes but rank "
                    + peer + " sent " + (kind == SEND ? count + " bytes" : "collective " + kindName(kind)), null);
        }
        exchange(-1, null, peer, data.duplicate(), "recv");
    }

    @Override
    public void barrier() {
        // After round k a rank has heard, through a chain of k+1 neighbours, that they all entered.
        for (int round = 0; round < Math.max(1, size - 1); round++) {
            agree(BARRIER, round, 0, "barrier");
        }
    }

    /**
     * A view of the ranks {@code members} of this group (in the view's rank order, including this rank)
     * over the same sockets; see {@link Collectives#subGroup} and the class comment for the threading rule.
     * No communication happens.
     */
    @Override
    public TcpCollectives subGroup(int... members) {
        checkOpen("subGroup");
        int viewRank = SubGroupMembers.rankOf(rank, size, members);
        SocketChannel[] viewLinks = new SocketChannel[members.length];
        List<PeerAddress> viewPeers = new ArrayList<>(members.length);
        int[] viewWorld = new int[members.length];
        for (int i = 0; i < members.length; i++) {
            viewLinks[i] = links[members[i]];
            viewPeers.add(peers.get(members[i]));
            viewWorld[i] = world[members[i]];
        }
        try {
            return new TcpCollectives(generation, viewRank, viewPeers, viewLinks, viewWorld, timeoutNanos, shared,
                    false);
        } catch (IOException | java.nio.channels.ClosedSelectorException e) {
            checkOpen("subGroup");
            throw new CollectiveException("subGroup on rank " + rank + " (generation " + generation
                    + ") could not open a selector: " + e, CollectiveException.NO_PEER, generation, e);
        }
    }

    /**
     * Breaks the group and every view of it: every collective blocked now or called later throws
     * {@link CollectiveException} carrying {@code reason}, and the sockets are closed so the peers fail
     * fast too. Thread-safe, idempotent; the same on a view as on the group it came from.
     */
    public void abort(String reason) {
        shared.abort(reason);
    }

    /**
     * On the group {@link DataPlaneListener} made: closes the links and every view; later calls throw
     * {@link CollectiveException}. On a view: releases its selector and leaves the group open. Safe to call twice.
     */
    @Override
    public void close() {
        if (root) {
            shared.closeAll("the collectives of generation " + generation + " are closed");
        } else {
            closed = true;
            shared.release(selector);
        }
    }

    // ---- ring algorithms over buf[base, base + length), split into `size` near-equal segments ----

    /**
     * Afterwards rank r holds segment r of {@code buf} reduced over all ranks (for AVG also divided by the
     * group size, in the same pass as its last reduction); the other segments of {@code buf} are left as
     * they were, since the partial sums travel only through the staging buffers. With {@code forward},
     * segment r is also left staged for {@link #allGatherRing} to send first.
     */
    private void reduceScatterRing(FloatBuffer buf, int base, int length, ReduceOp op, boolean forward) {
        ensureStages(length);
        for (int step = 0; step < size - 1; step++) {
            int sendSegment = Math.floorMod(rank - step - 1, size);
            int recvSegment = Math.floorMod(rank - step - 2, size);
            boolean last = step == size - 2;
            ringStep(buf, base, length, sendSegment, recvSegment, op, last && op == ReduceOp.AVG, step > 0,
                    !last || forward, last, "allReduce");
        }
    }

    /**
     * Afterwards every rank holds every segment; rank r starts by sending segment r, from the staging
     * buffer if {@code prestaged} (left there by {@link #reduceScatterRing}).
     */
    private void allGatherRing(FloatBuffer buf, int base, int length, boolean prestaged) {
        ensureStages(length);
        for (int step = 0; step < size - 1; step++) {
            int sendSegment = Math.floorMod(rank - step, size);
            int recvSegment = Math.floorMod(rank - step - 1, size);
            ringStep(buf, base, length, sendSegment, recvSegment, null, false, prestaged || step > 0,
                    step < size - 2, true, "allGather");
        }
    }

    /**
     * Streams a whole segment to the right neighbour while receiving one from the left, reducing
     * ({@code op}) or copying ({@code null}) what arrives in blocks of {@link #BLOCK_FLOATS} as soon as
     * they are complete, while they are still in cache. The outgoing segment is already in the staging
     * buffer if {@code prestaged}; otherwise it is staged from {@code buf} a piece ahead of the socket, so
     * staging overlaps the transfer. With {@code forward} the received result is also staged for the next
     * step (which sends exactly it), with {@code keep} it is stored into {@code buf}. Sending never waits
     * for this rank's own reductions: while a block is reduced, the socket buffers keep bytes moving.
     */
    private void ringStep(FloatBuffer buf, int base, int length, int sendSegment, int recvSegment, ReduceOp op,
                          boolean divide, boolean prestaged, boolean forward, boolean keep, String what) {
        int sendStart = base + segmentStart(length, sendSegment);
        int sendLength = segmentLength(length, sendSegment);
        int recvStart = base + segmentStart(length, recvSegment);
        int recvLength = segmentLength(length, recvSegment);
        ByteBuffer out = sendStage.clear().limit(prestaged ? sendLength * Float.BYTES : 0);
        int staged = prestaged ? sendLength : 0; // floats of the outgoing segment in `out`
        int right = right();
        int left = left();
        int received = 0; // floats of the incoming segment processed
        int consumed = 0; // bytes of recvStage processed
        recvStage.clear().limit(Math.min(CHUNK_BYTES, recvLength * Float.BYTES));
        long deadline = System.nanoTime() + timeoutNanos;
        int blamed = left;
        try {
            while (true) {
                checkOpen(what);
                boolean progress = false;
                if (staged < sendLength && staged * Float.BYTES - out.position() < STAGE_AHEAD_BYTES) {
                    int floats = Math.min(STAGE_AHEAD_BYTES / Float.BYTES, sendLength - staged);
                    sendFloats.put(staged, buf, sendStart + staged, floats);
                    staged += floats;
                    out.limit(staged * Float.BYTES);
                }
                if (out.hasRemaining()) {
                    blamed = right;
                    progress = links[right].write(out) > 0;
                }
                if (received < recvLength) {
                    blamed = left;
                    int n = links[left].read(recvStage);
                    if (n < 0) {
                        throw new EOFException(who(left) + " closed the connection");
                    }
                    progress |= n > 0;
                    boolean full = !recvStage.hasRemaining();
                    int floats = (recvStage.position() - consumed) / Float.BYTES;
                    if (!full) {
                        floats -= floats % BLOCK_FLOATS;
                    }
                    if (floats > 0) {
                        int from = consumed / Float.BYTES;
                        if (op != null) {
                            combine(buf, recvStart + received, from, floats, op, divide, keep,
                                    forward ? received : -1);
                        } else {
                            if (keep) {
                                buf.put(recvStart + received, recvFloats, from, floats);
                            }
                            if (forward) {
                                nextFloats.put(received, recvFloats, from, floats);
                            }
                        }
                        received += floats;
                        consumed += floats * Float.BYTES;
                    }
                    if (full) {
                        consumed = 0;
                        recvStage.clear().limit(Math.min(CHUNK_BYTES, (recvLength - received) * Float.BYTES));
                    }
                }
                boolean writing = out.hasRemaining() || staged < sendLength;
                boolean reading = received < recvLength;
                if (!writing && !reading) {
                    break;
                }
                if (progress || (staged < sendLength && staged * Float.BYTES - out.position() < STAGE_AHEAD_BYTES)) {
                    if (progress) {
                        deadline = System.nanoTime() + timeoutNanos;
                    }
                    continue;
                }
                blamed = reading ? left : right;
                awaitReady(right, out.hasRemaining(), left, reading, deadline, what, blamed);
            }
        } catch (IOException | java.nio.channels.CancelledKeyException
                 | java.nio.channels.ClosedSelectorException e) {
            throw fail(what, blamed, e instanceof IOException io ? DataPlaneListener.describe(io) : e.toString(), e);
        }
        if (forward) {
            ByteBuffer stage = sendStage;
            FloatBuffer floats = sendFloats;
            sendStage = nextStage;
            sendFloats = nextFloats;
            nextStage = stage;
            nextFloats = floats;
        }
    }

    /** Makes the receive buffer and grows both staging buffers to hold the largest segment of a ring over {@code length} floats. */
    private void ensureStages(int length) {
        if (recvStage == null) {
            recvStage = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            recvFloats = recvStage.asFloatBuffer();
        }
        int bytes = Math.max(CHUNK_BYTES, segmentLength(length, size - 1) * Float.BYTES); // the last is the largest
        if (sendStage == null || sendStage.capacity() < bytes) {
            sendStage = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
            sendFloats = sendStage.asFloatBuffer();
        }
        if (nextStage == null || nextStage.capacity() < bytes) {
            nextStage = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
            nextFloats = nextStage.asFloatBuffer();
        }
    }

    /**
     * Reduces recvFloats[from, from + count) with buf[at, at + count) ({@code op}, then divided by the
     * group size if {@code divide}), storing the result into {@code buf} if {@code keep} and into the next
     * step's staging buffer at {@code staged} unless that is -1: block by block through two small arrays,
     * so the data stays in cache and the loops are plain (vectorized) array loops.
     */
    private void combine(FloatBuffer buf, int at, int from, int count, ReduceOp op, boolean divide, boolean keep,
                         int staged) {
        float[] mine = this.mine;
        float[] theirs = this.theirs;
        float n = size;
        for (int done = 0; done < count; done += BLOCK_FLOATS) {
            int length = Math.min(BLOCK_FLOATS, count - done);
            buf.get(at + done, mine, 0, length);
            recvFloats.get(from + done, theirs, 0, length);
            switch (op) {
                case SUM, AVG -> {
                    if (divide) {
                        for (int i = 0; i < length; i++) {
                            mine[i] = (mine[i] + theirs[i]) / n;
                        }
                    } else {
                        for (int i = 0; i < length; i++) {
                            mine[i] += theirs[i];
                        }
                    }
                }
                case MAX -> {
                    for (int i = 0; i < length; i++) {
                        mine[i] = Math.max(mine[i], theirs[i]);
                    }
                }
                case MIN -> {
                    for (int i = 0; i < length; i++) {
                        mine[i] = Math.min(mine[i], theirs[i]);
                    }
                }
                default -> throw new IllegalArgumentException("unknown ReduceOp " + op);
            }
            if (keep) {
                buf.put(at + done, mine, 0, length);
            }
            if (staged >= 0) {
                nextFloats.put(staged + done, mine, 0, length);
            }
        }
    }

    private int segmentStart(int length, int segment) {
        return (int) ((long) length * segment / size);
    }

    private int segmentLength(int length, int segment) {
        return segmentStart(length, segment + 1) - segmentStart(length, segment);
    }

    private static ByteBuffer slice(ByteBuffer data, int base, int length, int chunk) {
        int from = base + chunk * CHUNK_BYTES;
        int to = Math.min(base + length, from + CHUNK_BYTES);
        return data.duplicate().limit(to).position(from);
    }

    private FloatBuffer scratch(int floats) {
        if (scratch == null || scratch.capacity() < floats) {
            scratch = FloatBuffer.allocate(floats);
        }
        return scratch;
    }

    private int right() {
        return (rank + 1) % size;
    }

    private int left() {
        return (rank + size - 1) % size;
    }

    // ---- the wire ----

    private void header(int kind, int argument, long count) {
        headerOut.clear();
        headerOut.putInt(0, kind).putInt(4, argument).putLong(8, count);
    }

    /** Sends this collective's header right and checks the left neighbour's: ranks must agree. */
    private void agree(int kind, int argument, long count, String what) {
        checkOpen(what);
        if (size == 1) {
            return;
        }
        header(kind, argument, count);
        headerIn.clear();
        exchange(right(), headerOut, left(), headerIn, what);
        int theirKind = headerIn.getInt(0);
        int theirArgument = headerIn.getInt(4);
        long theirCount = headerIn.getLong(8);
        if (theirKind != kind || theirArgument != argument || theirCount != count) {
            throw fail(what, left(), "ranks disagree: rank " + rank + " called " + describe(kind, argument, count)
                    + " but rank " + left() + " called " + describe(theirKind, theirArgument, theirCount), null);
        }
    }

    private static String describe(int kind, int argument, long count) {
        String name = kindName(kind);
        return switch (kind) {
            case ALL_REDUCE, REDUCE_SCATTER -> name + "(" + count + " floats, " + ReduceOp.values()[argument] + ")";
            case ALL_GATHER -> name + "(" + count + " floats)";
            case BROADCAST -> name + "(" + count + " bytes, root " + argument + ")";
            case SEND -> name + "(" + count + " bytes)";
            default -> name;
        };
    }

    private static String kindName(int kind) {
        return switch (kind) {
            case ALL_REDUCE -> "allReduce";
            case REDUCE_SCATTER -> "reduceScatter";
            case ALL_GATHER -> "allGather";
            case BROADCAST -> "broadcast";
            case SEND -> "send";
            case BARRIER -> "barrier";
            default -> "unknown collective " + kind;
        };
    }

    /**
     * Writes {@code out} to {@code sendPeer} while reading {@code in} from {@code recvPeer} (either may be
     * -1/null), until both are done; fails if neither moves a byte for the collective timeout.
     */
    private void exchange(int sendPeer, ByteBuffer out, int recvPeer, ByteBuffer in, String what) {
        long deadline = System.nanoTime() + timeoutNanos;
        int blamed = recvPeer >= 0 ? recvPeer : sendPeer;
        try {
            while (true) {
                checkOpen(what);
                boolean progress = false;
                boolean writing = out != null && out.hasRemaining();
                if (writing) {
                    blamed = sendPeer;
                    progress = links[sendPeer].write(out) > 0;
                    writing = out.hasRemaining();
                }
                boolean reading = in != null && in.hasRemaining();
                if (reading) {
                    blamed = recvPeer;
                    int n = links[recvPeer].read(in);
                    if (n < 0) {
                        throw new EOFException(who(recvPeer) + " closed the connection");
                    }
                    progress |= n > 0;
                    reading = in.hasRemaining();
                }
                if (!writing && !reading) {
                    return;
                }
                if (progress) {
                    deadline = System.nanoTime() + timeoutNanos;
                    continue;
                }
                blamed = reading ? recvPeer : sendPeer;
                awaitReady(sendPeer, writing, recvPeer, reading, deadline, what, blamed);
            }
        } catch (IOException | java.nio.channels.CancelledKeyException
                 | java.nio.channels.ClosedSelectorException e) {
            throw fail(what, blamed, e instanceof IOException io ? DataPlaneListener.describe(io) : e.toString(), e);
        }
    }

    /** Waits until a wanted link is ready; fails at the deadline (no progress for the collective timeout) or on interrupt. */
    private void awaitReady(int sendPeer, boolean writing, int recvPeer, boolean reading, long deadline, String what,
                            int blamed) throws IOException {
        long wait = deadline - System.nanoTime();
        if (wait <= 0) {
            throw fail(what, blamed, "no data moved for " + Duration.ofNanos(timeoutNanos)
                    + " (the collective timeout): " + who(blamed) + " is dead, stuck or in another collective", null);
        }
        for (int peer = 0; peer < size; peer++) {
            if (keys[peer] != null) {
                int interest = (writing && peer == sendPeer ? SelectionKey.OP_WRITE : 0)
                        | (reading && peer == recvPeer ? SelectionKey.OP_READ : 0);
                if (keys[peer].interestOps() != interest) {
                    keys[peer].interestOps(interest);
                }
            }
        }
        selector.select(Math.max(1, wait / 1_000_000));
        selector.selectedKeys().clear();
        if (Thread.currentThread().isInterrupted()) {
            throw fail(what, blamed, "the calling thread was interrupted", null);
        }
    }

    private CollectiveException fail(String what, int peer, String problem, Throwable cause) {
        String reason = shared.reason();
        CollectiveException failure = reason != null
                ? new CollectiveException(what + " on rank " + rank + " (generation " + generation + ") aborted: "
                        + reason, CollectiveException.NO_PEER, generation, cause)
                : closed
                ? new CollectiveException(what + " on rank " + rank + " (generation " + generation + "): this"
                        + " sub-group view is closed", CollectiveException.NO_PEER, generation, cause)
                : new CollectiveException(what + " on rank " + rank + " (generation " + generation + ") failed with "
                        + who(peer) + " at " + peers.get(peer) + ": " + problem, world[peer], generation, cause);
        if (!closed) { // a view closed under its caller breaks nothing else
            abort(failure.getMessage());
        }
        return failure;
    }

    /** A peer as the messages name it: in a view, also by its world rank. */
    private String who(int peer) {
        return root ? "rank " + peer : "rank " + peer + " (world rank " + world[peer] + ")";
    }

    private void checkOpen(String what) {
        String reason = shared.reason();
        if (reason != null) {
            throw new CollectiveException(what + " on rank " + rank + " (generation " + generation + ") aborted: "
                    + reason, CollectiveException.NO_PEER, generation);
        }
        if (closed) {
            throw new CollectiveException(what + " on rank " + rank + " (generation " + generation + "): this"
                    + " sub-group view is closed; the group it came from is open", CollectiveException.NO_PEER,
                    generation);
        }
    }

    private void checkPeer(int peer, String what) {
        if (peer < 0 || peer >= size) {
            throw new IllegalArgumentException(what + " " + peer + " does not exist in a group of " + size
                    + " ranks (0.." + (size - 1) + ")");
        }
    }

    private static void requireOp(ReduceOp op, String what) {
        if (op == null) {
            throw new IllegalArgumentException(what + " needs a ReduceOp (SUM, AVG, MAX or MIN), got null");
        }
    }
}

package dev.spindle.cluster.dataplane;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds every rank's data-plane address when only rank 0's is known in advance: for processes started
 * without a coordinator (the all-reduce benchmark, a hand-started group). Rank 0's listener is bound on a
 * known port; every other rank binds an ephemeral port, dials rank 0 (with the same authenticated
 * handshake as the data plane, under a bootstrap generation), tells it its own address, and receives the
 * full list. The caller then {@linkplain DataPlaneListener#connect connects} a later generation.
 *
 * <pre>{@code
 * DataPlaneListener listener = DataPlaneListener.bind("127.0.0.1", rank == 0 ? 29500 : 0, secret);
 * List<PeerAddress> peers = Rendezvous.exchange(listener, rank, ranks, PeerAddress.parse("127.0.0.1:29500"),
 *         Rendezvous.BOOTSTRAP_GENERATION, Duration.ofSeconds(60));
 * TcpCollectives c = listener.connect(Rendezvous.BOOTSTRAP_GENERATION + 1, rank, peers, Duration.ofSeconds(60));
 * }</pre>
 */
public final class Rendezvous {

    /** The generation the rendezvous links use; connect the real group with a newer one. */
    public static final long BOOTSTRAP_GENERATION = 0;

    private static final int MAX_ADDRESS_BYTES = 1024;

    private Rendezvous() {}

    /**
     * Returns every rank's address, by rank (rank {@code r}'s entry is {@code listener.address()} as rank
     * {@code r} reported it). Blocks until all {@code worldSize} ranks have met, or throws
     * {@link CollectiveException} after {@code timeout}.
     */
    public static List<PeerAddress> exchange(DataPlaneListener listener, int rank, int worldSize, PeerAddress root,
                                             long generation, Duration timeout) {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " is not in a group of " + worldSize + " ranks");
        }
        if (worldSize == 1) {
            return List.of(listener.address());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        listener.advanceTo(generation);
        SocketChannel[] links = new SocketChannel[worldSize];
        List<PeerAddress> known = new ArrayList<>(java.util.Collections.nCopies(worldSize, listener.address()));
        known.set(0, root);
        try {
            if (rank == 0) {
                for (int peer = 1; peer < worldSize; peer++) {
                    links[peer] = listener.awaitDialIn(generation, 0, peer, listener.address(), deadline);
                }
            } else {
                links[0] = listener.dial(generation, rank, 0, root, deadline);
            }
            try (TcpCollectives star = new TcpCollectives(generation, rank, known, links, timeout)) {
                if (rank == 0) {
                    PeerAddress[] all = new PeerAddress[worldSize];
                    all[0] = listener.address();
                    for (int peer = 1; peer < worldSize; peer++) {
                        all[peer] = PeerAddress.parse(receiveText(star, peer));
                    }
                    String list = String.join(",", Arrays.stream(all).map(PeerAddress::toString).toList());
                    for (int peer = 1; peer < worldSize; peer++) {
                        sendText(star, peer, list);
                    }
                    return List.of(all);
                }
                sendText(star, 0, listener.address().toString());
                return Arrays.stream(receiveText(star, 0).split(",")).map(PeerAddress::parse).toList();
            }
        } catch (IOException e) {
            for (SocketChannel link : links) {
                DataPlaneListener.closeQuietly(link);
            }
            throw new CollectiveException("rendezvous of rank " + rank + " with rank 0 at " + root + " failed: "
                    + DataPlaneListener.describe(e), 0, generation, e);
        } catch (RuntimeException e) {
            for (SocketChannel link : links) {
                DataPlaneListener.closeQuietly(link);
            }
            throw e;
        }
    }

    private static void sendText(TcpCollectives star, int peer, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        star.send(ByteBuffer.allocate(4).putInt(0, bytes.length), peer);
        star.send(ByteBuffer.wrap(bytes), peer);
    }

    private static String receiveText(TcpCollectives star, int peer) {
        ByteBuffer length = ByteBuffer.allocate(4);
        star.recv(length, peer);
        int bytes = length.getInt(0);
        if (bytes < 0 || bytes > MAX_ADDRESS_BYTES * star.worldSize()) {
            throw new CollectiveException("rendezvous: rank " + peer + " announced " + bytes + " bytes of addresses",
                    peer, star.generation());
        }
        ByteBuffer text = ByteBuffer.allocate(bytes);
        star.recv(text, peer);
        return new String(text.array(), StandardCharsets.UTF_8);
    }
}

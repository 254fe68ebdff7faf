package dev.spindle.cluster.dataplane;

import dev.spindle.cluster.security.JobSecret;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's data-plane endpoint: a TCP listener that authenticates every incoming connection in the
 * background, and {@link #connect} that turns one generation's peer list into a {@link TcpCollectives}.
 *
 * <p>The group is a full mesh (one socket per pair, the higher rank dials the lower): the ring
 * collectives only use neighbours, but send/recv and a broadcast from any root need every pair, and
 * a mesh of a few dozen ranks costs only idle sockets. Every connection passes a mutual HMAC handshake
 * keyed by the job secret that binds the generation and both ranks; a wrong secret, an older
 * generation than the newest this listener was asked to connect, or a rank already connected is
 * refused, the connection closed, and one WARN line names the remote address and the reason.
 *
 * <pre>{@code
 * try (DataPlaneListener listener = DataPlaneListener.bind("127.0.0.1", 0, secret)) {
 *     register(listener.address());                       // tell the coordinator where to dial
 *     Assignment a = worker.awaitAssignment(timeout);
 *     try (TcpCollectives c = listener.connect(a.generation(), a.rank(), peers, Duration.ofSeconds(60))) {
 *         c.allReduce(gradients, ReduceOp.AVG);
 *     }
 * }
 * }</pre>
 */
public final class DataPlaneListener implements AutoCloseable {

    /** How long an incoming connection may take to finish the handshake. */
    public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /** Socket buffer size asked for each link: a few chunks in flight each way. */
    static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(DataPlaneListener.class);

    private final ServerSocketChannel server;
    private final PeerAddress address;
    private final JobSecret secret;
    private final ExecutorService handshakes;
    private final Thread acceptor;
    private final Object lock = new Object();
    /** Authenticated connections not yet taken by {@link #connect}, by (generation, dialer rank). */
    private final Map<Key, Accepted> pending = new HashMap<>();
    /** (generation, dialer rank) pairs already handed to a group: a second one is a duplicate. */
    private final Map<Key, Boolean> taken = new HashMap<>();
    private long newestGeneration = Long.MIN_VALUE;
    private volatile boolean closed;

    private record Key(long generation, int rank) {}

    private record Accepted(SocketChannel channel, int acceptorRank, SocketAddress remote) {}

    private DataPlaneListener(ServerSocketChannel server, PeerAddress address, JobSecret secret) {
        this.server = server;
        this.address = address;
        this.secret = secret;
        this.handshakes = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "dataplane-handshake-" + address.port());
            thread.setDaemon(true);
            return thread;
        });
        this.acceptor = new Thread(this::acceptLoop, "dataplane-accept-" + address.port());
        acceptor.setDaemon(true);
    }

    /** Binds {@code host:port} ({@code port} 0 = an ephemeral port) and accepts authenticated connections in the background. */
    public static DataPlaneListener bind(String host, int port, JobSecret secret) throws IOException {
        if (secret == null) {
            throw new IllegalArgumentException("the data plane needs the job secret; read it with JobSecret.read(file)");
        }
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("the data plane needs a host to bind, e.g. 127.0.0.1, got " + host);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("a data-plane port is 0 (ephemeral) or 1..65535, got " + port);
        }
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(new InetSocketAddress(host, port), 128);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot bind the data plane on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        int bound = ((InetSocketAddress) server.getLocalAddress()).getPort();
        DataPlaneListener listener = new DataPlaneListener(server, new PeerAddress(host, bound), secret);
        listener.acceptor.start();
        return listener;
    }

    /** What peers dial: the bound host and port. */
    public PeerAddress address() {
        return address;
    }

    /**
     * Connects the full mesh of {@code generation}, using {@code timeout} both to set it up and as the
     * collective timeout. See {@link #connect(long, int, List, Duration, Duration)}.
     */
    public TcpCollectives connect(long generation, int rank, List<PeerAddress> peers, Duration timeout) {
        return connect(generation, rank, peers, timeout, timeout);
    }

    /**
     * Connects the full mesh of {@code generation}: dials every lower rank, waits for every higher rank
     * to dial in, and blocks until every link is up and authenticated. {@code peers.get(r)} is rank
     * {@code r}'s address. Connections of older generations still waiting here are closed.
     *
     * @throws CollectiveException naming the peer if a link is not up within {@code connectTimeout}, a peer
     *     refuses, or {@code generation} is older than one this listener already connected
     */
    public TcpCollectives connect(long generation, int rank, List<PeerAddress> peers, Duration connectTimeout,
                                  Duration collectiveTimeout) {
        checkArguments(rank, peers, connectTimeout, collectiveTimeout);
        if (closed) {
            throw new IllegalStateException("the data-plane listener on " + address + " is closed");
        }
        int worldSize = peers.size();
        long deadline = System.nanoTime() + connectTimeout.toNanos();
        advanceTo(generation);
        SocketChannel[] links = new SocketChannel[worldSize];
        boolean done = false;
        try {
            for (int peer = 0; peer < rank; peer++) {
                links[peer] = dial(generation, rank, peer, peers.get(peer), deadline);
            }
            for (int peer = rank + 1; peer < worldSize; peer++) {
                links[peer] = awaitDialIn(generation, rank, peer, peers.get(peer), deadline);
            }
            TcpCollectives group = new TcpCollectives(generation, rank, peers, links, collectiveTimeout);
            done = true;
            return group;
        } catch (IOException e) {
            throw new CollectiveException("cannot set up the data plane of generation " + generation + " on rank "
                    + rank + ": " + e.getMessage(), CollectiveException.NO_PEER, generation, e);
        } finally {
            if (!done) {
                for (SocketChannel link : links) {
                    closeQuietly(link);
                }
            }
        }
    }

    /** Marks {@code generation} as the newest this listener serves; older connections are refused from now on. */
    void advanceTo(long generation) {
        synchronized (lock) {
            if (generation < newestGeneration) {
                throw new CollectiveException("cannot serve generation " + generation + ": this listener already"
                        + " connected generation " + newestGeneration, CollectiveException.NO_PEER, generation);
            }
            newestGeneration = generation;
            dropOlderThan(generation);
        }
    }

    JobSecret secret() {
        return secret;
    }

    private static void checkArguments(int rank, List<PeerAddress> peers, Duration connectTimeout,
                                       Duration collectiveTimeout) {
        if (peers == null || peers.isEmpty()) {
            throw new IllegalArgumentException("connect needs every rank's data-plane address (peers.get(r) = rank r),"
                    + " got " + peers);
        }
        if (rank < 0 || rank >= peers.size()) {
            throw new IllegalArgumentException("rank " + rank + " is not in a group of " + peers.size()
                    + " peers (0.." + (peers.size() - 1) + ")");
        }
        for (Duration timeout : new Duration[] {connectTimeout, collectiveTimeout}) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("data-plane timeouts must be positive, got " + timeout);
            }
        }
    }

    SocketChannel dial(long generation, int rank, int peer, PeerAddress target, long deadline) {
        while (true) {
            SocketChannel channel = null;
            try {
                channel = SocketChannel.open();
                configure(channel);
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                channel.socket().connect(target.socketAddress(), (int) Math.min(Integer.MAX_VALUE, left));
                channel.configureBlocking(false);
                byte status = Handshake.dial(channel, secret, generation, rank, peer, deadline);
                if (status == Handshake.ACCEPTED) {
                    return channel;
                }
                closeQuietly(channel);
                throw new CollectiveException("rank " + peer + " at " + target + " refused rank " + rank + " of generation "
                        + generation + ": " + refusal(status), peer, generation);
            } catch (ConnectException refused) {
                closeQuietly(channel);
                if (System.nanoTime() >= deadline) {
                    throw new CollectiveException("cannot reach rank " + peer + " at " + target + " (generation "
                            + generation + "): " + refused.getMessage(), peer, generation, refused);
                }
                sleepBriefly();
            } catch (IOException e) {
                closeQuietly(channel);
                throw new CollectiveException("data-plane handshake with rank " + peer + " at " + target + " (generation "
                        + generation + ") failed: " + describe(e), peer, generation, e);
            } catch (Handshake.HandshakeException e) {
                closeQuietly(channel);
                throw new CollectiveException("rank " + peer + " at " + target + " (generation " + generation + "): "
                        + e.getMessage(), peer, generation);
            }
        }
    }

    private static String refusal(byte status) {
        return switch (status) {
            case Handshake.OLD_GENERATION -> "that rank already moved to a newer generation";
            case Handshake.DUPLICATE_RANK -> "another connection already claimed this rank";
            case Handshake.WRONG_RANK -> "that listener holds another rank in this generation";
            default -> "status " + status;
        };
    }

    SocketChannel awaitDialIn(long generation, int rank, int peer, PeerAddress expected, long deadline)
            throws IOException {
        Key key = new Key(generation, peer);
        synchronized (lock) {
            while (true) {
                Accepted accepted = pending.remove(key);
                if (accepted != null) {
                    if (accepted.acceptorRank() == rank) {
                        taken.put(key, Boolean.TRUE);
                        return accepted.channel();
                    }
                    LOG.warn("refused data-plane connection from {}: it dialed rank {} of generation {}, this listener"
                            + " is rank {}", accepted.remote(), accepted.acceptorRank(), generation, rank);
                    closeQuietly(accepted.channel());
                }
                if (closed) {
                    throw new ClosedChannelException();
                }
                long wait = deadline - System.nanoTime();
                if (wait <= 0) {
                    throw new CollectiveException("rank " + peer + " at " + expected + " did not connect to rank " + rank
                            + " of generation " + generation + " in time", peer, generation);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CollectiveException("interrupted waiting for rank " + peer + " (generation " + generation
                            + ")", peer, generation, e);
                }
            }
        }
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("data-plane listener on {} stopped accepting: {}", address, e.toString());
                }
                return;
            }
            try {
                handshakes.execute(() -> admit(channel));
            } catch (RejectedExecutionException e) {
                closeQuietly(channel);
            }
        }
    }

    private void admit(SocketChannel channel) {
        SocketAddress remote = null;
        try {
            remote = channel.getRemoteAddress();
            configure(channel);
            channel.configureBlocking(false);
            long deadline = System.nanoTime() + HANDSHAKE_TIMEOUT.toNanos();
            Handshake.Hello hello = Handshake.accept(channel, secret, deadline);
            Key key = new Key(hello.generation(), hello.dialerRank());
            byte status;
            synchronized (lock) {
                if (hello.generation() < newestGeneration) {
                    status = Handshake.OLD_GENERATION;
                } else if (pending.containsKey(key) || taken.containsKey(key)) {
                    status = Handshake.DUPLICATE_RANK;
                } else {
                    status = Handshake.ACCEPTED;
                    pending.put(key, new Accepted(channel, hello.acceptorRank(), remote));
                }
            }
            Io.writeFully(channel, ByteBuffer.wrap(new byte[] {status}), deadline);
            if (status == Handshake.ACCEPTED) {
                synchronized (lock) {
                    lock.notifyAll();
                }
                return;
            }
            LOG.warn("refused data-plane connection from {}: {}", remote, status == Handshake.OLD_GENERATION
                    ? "generation " + hello.generation() + " is older than generation " + newestGeneration
                    : "rank " + hello.dialerRank() + " of generation " + hello.generation() + " is already connected");
            closeQuietly(channel);
        } catch (Handshake.HandshakeException e) {
            LOG.warn("refused data-plane connection from {}: {}", remote, e.getMessage());
            closeQuietly(channel);
        } catch (IOException e) {
            if (!closed) {
                LOG.warn("refused data-plane connection from {}: handshake failed: {}", remote, describe(e));
            }
            synchronized (lock) {
                pending.values().removeIf(accepted -> accepted.channel() == channel);
            }
            closeQuietly(channel);
        }
    }

    private void dropOlderThan(long generation) {
        for (Iterator<Map.Entry<Key, Accepted>> it = pending.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Accepted> entry = it.next();
            if (entry.getKey().generation() < generation) {
                closeQuietly(entry.getValue().channel());
                it.remove();
            }
        }
        taken.keySet().removeIf(key -> key.generation() < generation);
    }

    static void configure(SocketChannel channel) throws IOException {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
        channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
    }

    static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    static void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing is best effort
            }
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("interrupted while dialing a peer", CollectiveException.NO_PEER, -1, e);
        }
    }

    /** Stops accepting and closes connections no group has taken. Groups already connected stay up. Safe to call twice. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
        handshakes.shutdownNow();
        List<Accepted> left;
        synchronized (lock) {
            left = new ArrayList<>(pending.values());
            pending.clear();
            lock.notifyAll();
        }
        left.forEach(accepted -> closeQuietly(accepted.channel()));
    }
}

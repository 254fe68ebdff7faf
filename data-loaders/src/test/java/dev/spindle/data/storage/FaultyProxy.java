package dev.spindle.data.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 in front of a real server that a test can break: {@link #cut()} resets every
 * open connection and every new one until {@link #heal()}, the way a restarting storage gateway looks to
 * a client (connection reset, then refused). Bytes pass through untouched otherwise.
 */
public final class FaultyProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicBoolean broken = new AtomicBoolean();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    public FaultyProxy(String upstreamHost, int upstreamPort) throws IOException {
        this.upstream = new InetSocketAddress(upstreamHost, upstreamPort);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "faulty-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** {@code 127.0.0.1:port} of the proxy. */
    public String endpoint() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    public int accepted() {
        return accepted.get();
    }

    /** Connections reset while the proxy was cut. */
    public int refused() {
        return refused.get();
    }

    /** Resets every open connection; new ones are reset until {@link #heal()}. */
    public void cut() {
        broken.set(true);
        for (Socket socket : open) {
            reset(socket);
        }
        open.clear();
    }

    public void heal() {
        broken.set(false);
    }

    /** Cuts now and heals after {@code length} on a daemon thread, while the caller goes on reading. */
    public Thread outage(java.time.Duration length) {
        cut();
        Thread healer = new Thread(() -> {
            try {
                Thread.sleep(length.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            heal();
        }, "proxy-healer");
        healer.setDaemon(true);
        healer.start();
        return healer;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (broken.get()) {
                    refused.incrementAndGet();
                    reset(client);
                    continue;
                }
                accepted.incrementAndGet();
                Socket target = new Socket(upstream.getAddress(), upstream.getPort());
                open.add(client);
                open.add(target);
                pump(client, target);
                pump(target, client);
            } catch (IOException e) {
                // the server socket closed, or one connection failed: the client sees a reset either way
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // the other side went away (or cut() reset it)
            } finally {
                reset(from);
                reset(to);
            }
        }, "faulty-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0); // close with RST, as a crashed peer would
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        cut();
    }
}

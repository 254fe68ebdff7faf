package dev.spindle.cluster.dataplane;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/** Reads and writes with a deadline on a non-blocking channel, for the handshake (the hot path is in TcpCollectives). */
final class Io {

    private Io() {}

    static void readFully(SocketChannel channel, ByteBuffer buffer, long deadlineNanos) throws IOException {
        transfer(channel, buffer, deadlineNanos, true);
    }

    static void writeFully(SocketChannel channel, ByteBuffer buffer, long deadlineNanos) throws IOException {
        transfer(channel, buffer, deadlineNanos, false);
    }

    private static void transfer(SocketChannel channel, ByteBuffer buffer, long deadlineNanos, boolean read)
            throws IOException {
        Selector selector = null;
        try {
            while (buffer.hasRemaining()) {
                int n = read ? channel.read(buffer) : channel.write(buffer);
                if (n < 0) {
                    throw new EOFException("the peer closed the connection");
                }
                if (n > 0) {
                    continue;
                }
                long wait = deadlineNanos - System.nanoTime();
                if (wait <= 0) {
                    throw new SocketTimeoutException("no answer before the deadline");
                }
                if (selector == null) {
                    selector = Selector.open();
                    channel.register(selector, read ? SelectionKey.OP_READ : SelectionKey.OP_WRITE);
                }
                selector.select(Math.max(1, wait / 1_000_000));
                selector.selectedKeys().clear();
            }
        } finally {
            if (selector != null) {
                selector.close();
            }
        }
    }
}

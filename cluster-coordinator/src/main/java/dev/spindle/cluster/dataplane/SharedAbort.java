package dev.spindle.cluster.dataplane;

import java.io.IOException;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The abort state a {@link TcpCollectives} shares with every sub-group view made from it: the sockets
 * (the world's, which the views reuse) and every view's selector. The first abort anywhere records its
 * reason, wakes every thread selecting in any view and closes the sockets, so the peers fail fast too.
 */
final class SharedAbort {

    private final SocketChannel[] links;
    private final Set<Selector> selectors = ConcurrentHashMap.newKeySet();
    private volatile String reason;

    SharedAbort(SocketChannel[] links) {
        this.links = links.clone();
    }

    /** Why the group broke, or null while it works. */
    String reason() {
        return reason;
    }

    void register(Selector selector) {
        selectors.add(selector);
    }

    /** Forgets a view's selector and closes it (the view is closed; the group stays open). */
    void release(Selector selector) {
        selectors.remove(selector);
        closeQuietly(selector);
    }

    /** Records {@code why} unless the group is already broken; thread-safe, idempotent. */
    void abort(String why) {
        synchronized (this) {
            if (reason != null) {
                return;
            }
            reason = why == null ? "aborted" : why;
        }
        for (Selector selector : selectors) {
            selector.wakeup();
        }
        for (SocketChannel link : links) {
            DataPlaneListener.closeQuietly(link);
        }
    }

    /** Aborts with {@code why} and closes every view's selector: nothing of the group is left open. */
    void closeAll(String why) {
        abort(why);
        for (Selector selector : selectors) {
            release(selector);
        }
    }

    private static void closeQuietly(Selector selector) {
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }
}

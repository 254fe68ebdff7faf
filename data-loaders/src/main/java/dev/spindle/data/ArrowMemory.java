package dev.spindle.data;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * The process's one Arrow {@link RootAllocator}; each loader, inspection or writer takes a named, capped
 * child, so a leak shows up under its owner's name and one loader cannot starve the others.
 *
 * <pre>{@code
 * try (BufferAllocator a = ArrowMemory.child("my-writer")) { ... }
 * long live = ArrowMemory.allocatedBytes(); // 0 when every loader is closed
 * }</pre>
 */
public final class ArrowMemory {

    /** A record batch of a well-formed dataset is far below this; a larger one is a data error. */
    static final long DEFAULT_CHILD_LIMIT = 1L << 30;

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static volatile RootAllocator root;

    private ArrowMemory() {}

    /** Bytes currently held by every Arrow user in this process (0 when all loaders are closed). */
    public static long allocatedBytes() {
        return root().getAllocatedMemory();
    }

    static RootAllocator root() {
        RootAllocator r = root;
        if (r == null) {
            synchronized (ArrowMemory.class) {
                r = root;
                if (r == null) {
                    r = new RootAllocator(Long.MAX_VALUE);
                    root = r;
                }
            }
        }
        return r;
    }

    /** A fresh child allocator named after its purpose; the caller closes it. */
    public static BufferAllocator child(String purpose) {
        return root().newChildAllocator("spindle-" + purpose + "-" + COUNTER.incrementAndGet(), 0,
                DEFAULT_CHILD_LIMIT);
    }
}

package dev.spindle.data;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * The process's one Arrow {@link RootAllocator}; each loader or inspection takes a named, capped child,
 * so a leak shows up under the loader's name and one loader cannot starve the others.
 */
final class ArrowMemory {

    /** A record batch of a well-formed dataset is far below this; a larger one is a data error. */
    static final long DEFAULT_CHILD_LIMIT = 1L << 30;

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static volatile RootAllocator root;

    private ArrowMemory() {}

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
    static BufferAllocator child(String purpose) {
        return root().newChildAllocator("spindle-" + purpose + "-" + COUNTER.incrementAndGet(), 0,
                DEFAULT_CHILD_LIMIT);
    }
}

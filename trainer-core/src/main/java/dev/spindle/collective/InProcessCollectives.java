package dev.spindle.collective;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A process group whose ranks are threads of one process: for tests of parallel strategies and for
 * several model replicas on one machine, with the same semantics as the TCP data plane.
 *
 * <p>Rank {@code i} of the returned list must be used by thread {@code i} only. Every rank gets
 * bit-identical reduction results because each element is combined in rank order (rank 0 first),
 * whichever thread computes it. Arguments that differ across ranks where they must agree (sizes,
 * operation, root) make every rank throw {@link IllegalArgumentException}, and the group stays usable.
 * A rank that waits longer than the timeout for its peers throws {@link IllegalStateException} and
 * the group is broken for good, so a dead thread cannot hang the others forever.
 *
 * <p>{@link Collectives#subGroup} views of a rank may run on other threads (a tensor group's
 * all-reduce on one, pipeline sends and receives on two more); the members of one list meet in a
 * group of their own, and a timeout or interrupt in any of them breaks the world and all its views.
 *
 * <pre>{@code
 * List<Collectives> ranks = InProcessCollectives.group(2);
 * for (int r = 0; r < 2; r++) {
 *     Collectives c = ranks.get(r);
 *     executor.submit(() -> c.allReduce(FloatBuffer.wrap(gradients[c.rank()]), ReduceOp.AVG));
 * }
 * }</pre>
 */
public final class InProcessCollectives {

    /** How long a rank waits for its peers before declaring the group broken. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    private InProcessCollectives() {}

    /** {@code n} Collectives over threads of one process, one per rank, waiting {@link #DEFAULT_TIMEOUT}. */
    public static List<Collectives> group(int n) {
        return group(n, DEFAULT_TIMEOUT);
    }

    /** {@code n} Collectives over threads of one process; a rank waits at most {@code timeout} for its peers. */
    public static List<Collectives> group(int n, Duration timeout) {
        if (n < 1) {
            throw new IllegalArgumentException("a group needs at least 1 rank, got n=" + n);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        InProcessGroup group = new InProcessGroup(n, timeout);
        List<Collectives> ranks = new ArrayList<>(n);
        for (int rank = 0; rank < n; rank++) {
            ranks.add(new InProcessRank(group, rank));
        }
        return List.copyOf(ranks);
    }
}

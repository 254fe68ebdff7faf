package dev.spindle.data;

/**
 * Which units a rank reads and in which order per epoch. Unit {@code u} of the global order belongs to
 * rank {@code u % worldSize}; with shuffling on, the rank's units are permuted per epoch by a generator
 * seeded from (seed, rank, epoch), so the order is a pure function of those three numbers and needs no
 * saved state.
 */
final class ShardPlan {

    private static final long UNIT_STREAM = 0x5EED_0001L;
    private static final long WINDOW_STREAM = 0x5EED_0002L;

    private final int[] rankUnits;
    private final boolean shuffle;
    private final long seed;
    private final int rank;

    ShardPlan(int unitCount, int rank, int worldSize, boolean shuffle, long seed) {
        int mine = unitCount / worldSize + (rank < unitCount % worldSize ? 1 : 0);
        this.rankUnits = new int[mine];
        for (int i = 0; i < mine; i++) {
            rankUnits[i] = rank + i * worldSize;
        }
        this.shuffle = shuffle;
        this.seed = seed;
        this.rank = rank;
    }

    int size() {
        return rankUnits.length;
    }

    /** Global unit indices of this rank in the order epoch {@code epoch} reads them. */
    int[] order(long epoch) {
        int[] order = rankUnits.clone();
        if (shuffle) {
            shuffle(order, mix(seed, UNIT_STREAM, rank, epoch));
        }
        return order;
    }

    /** The order in which a window of {@code n} samples is handed out; identity without shuffling. */
    int[] windowOrder(long epoch, long window, int n) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        if (shuffle) {
            shuffle(perm, mix(mix(seed, WINDOW_STREAM, rank, epoch), window, 0, 0));
        }
        return perm;
    }

    /** Fisher-Yates driven by SplitMix64, written out so that orders never change with the JDK. */
    static void shuffle(int[] a, long state) {
        long s = state;
        for (int i = a.length - 1; i > 0; i--) {
            s += 0x9E3779B97F4A7C15L;
            int j = (int) Long.remainderUnsigned(finish(s), i + 1L);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    static long mix(long a, long b, long c, long d) {
        long h = finish(a ^ 0x243F6A8885A308D3L);
        h = finish(h ^ b);
        h = finish(h ^ c);
        return finish(h ^ d);
    }

    /** SplitMix64's output function. */
    static long finish(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

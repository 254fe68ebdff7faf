package dev.spindle.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class InProcessCollectivesTest {

    private static final int LENGTH = 12;

    /** Runs {@code body} on one thread per rank and returns what each rank returned, by rank. */
    private static <T> List<T> onEveryRank(List<Collectives> ranks, RankBody<T> body) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(ranks.size());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Collectives rank : ranks) {
                futures.add(threads.submit(() -> body.run(rank)));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(30, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface RankBody<T> {
        T run(Collectives rank) throws Exception;
    }

    /** Small integers: every sum and every mean over 1, 2 or 4 ranks is exact in float, in any order. */
    private static float[] input(int rank) {
        float[] values = new float[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            values[i] = ((rank * 7 + i * 3) % 11) - 5;
        }
        return values;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void allReduceMatchesPlainJavaForEveryOp(int n) throws Exception {
        for (ReduceOp op : ReduceOp.values()) {
            List<float[]> results = onEveryRank(InProcessCollectives.group(n), rank -> {
                float[] data = input(rank.rank());
                rank.allReduce(FloatBuffer.wrap(data), op);
                return data;
            });
            float[] expected = new float[LENGTH];
            for (int i = 0; i < LENGTH; i++) {
                long sum = 0;
                long max = Long.MIN_VALUE;
                long min = Long.MAX_VALUE;
                for (int r = 0; r < n; r++) {
                    long value = (long) input(r)[i];
                    sum += value;
                    max = Math.max(max, value);
                    min = Math.min(min, value);
                }
                expected[i] = switch (op) {
                    case SUM -> sum;
                    case AVG -> (float) ((double) sum / n);
                    case MAX -> max;
                    case MIN -> min;
                };
            }
            for (int r = 0; r < n; r++) {
                assertArrayEquals(expected, results.get(r), op + " on rank " + r + " of " + n);
            }
        }
    }

    @Test
    void allReduceOfRandomFloatsIsBitIdenticalOnEveryRankAndCloseToDoubleSum() throws Exception {
        int n = 4;
        int length = 1001; // not a multiple of 4: ranks reduce slices of different lengths
        List<float[]> results = onEveryRank(InProcessCollectives.group(n), rank -> {
            float[] data = randomFloats(rank.rank(), length);
            // A direct buffer at a non-zero position, like a gradient view, must work too.
            FloatBuffer buffer = ByteBuffer.allocateDirect((length + 3) * 4).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            buffer.position(3);
            buffer.duplicate().put(data);
            rank.allReduce(buffer, ReduceOp.SUM);
            assertEquals(3, buffer.position());
            float[] out = new float[length];
            buffer.get(3, out);
            return out;
        });
        for (int i = 0; i < length; i++) {
            double sum = 0;
            double magnitude = 0;
            for (int r = 0; r < n; r++) {
                sum += randomFloats(r, length)[i];
                magnitude += Math.abs(randomFloats(r, length)[i]);
            }
            // Three float additions, each off by at most half an ulp of the running magnitude.
            assertEquals(sum, results.get(0)[i], 2 * n * Math.ulp((float) magnitude), "element " + i);
        }
        for (int r = 1; r < n; r++) {
            assertArrayEquals(results.get(0), results.get(r), "rank " + r + " differs from rank 0");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void reduceScatterGivesEachRankItsReducedChunk(int n) throws Exception {
        List<float[]> results = onEveryRank(InProcessCollectives.group(n), rank -> {
            float[] output = new float[LENGTH / n];
            rank.reduceScatter(FloatBuffer.wrap(input(rank.rank())), FloatBuffer.wrap(output), ReduceOp.SUM);
            return output;
        });
        int chunk = LENGTH / n;
        for (int r = 0; r < n; r++) {
            float[] expected = new float[chunk];
            for (int i = 0; i < chunk; i++) {
                for (int peer = 0; peer < n; peer++) {
                    expected[i] += input(peer)[r * chunk + i];
                }
            }
            assertArrayEquals(expected, results.get(r), "rank " + r + " of " + n);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void allGatherConcatenatesInRankOrder(int n) throws Exception {
        List<float[]> results = onEveryRank(InProcessCollectives.group(n), rank -> {
            float[] output = new float[LENGTH * n];
            rank.allGather(FloatBuffer.wrap(input(rank.rank())), FloatBuffer.wrap(output));
            return output;
        });
        float[] expected = new float[LENGTH * n];
        for (int r = 0; r < n; r++) {
            System.arraycopy(input(r), 0, expected, r * LENGTH, LENGTH);
        }
        for (int r = 0; r < n; r++) {
            assertArrayEquals(expected, results.get(r), "rank " + r + " of " + n);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void broadcastCopiesTheRootsBytes(int n) throws Exception {
        int root = n - 1;
        List<byte[]> results = onEveryRank(InProcessCollectives.group(n), rank -> {
            byte[] data = new byte[5];
            java.util.Arrays.fill(data, (byte) (10 + rank.rank()));
            rank.broadcast(ByteBuffer.wrap(data), root);
            return data;
        });
        for (int r = 0; r < n; r++) {
            assertArrayEquals(new byte[] {(byte) (10 + root), (byte) (10 + root), (byte) (10 + root),
                    (byte) (10 + root), (byte) (10 + root)}, results.get(r), "rank " + r);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void sendAndRecvPassMessagesAroundARing(int n) throws Exception {
        List<byte[]> results = onEveryRank(InProcessCollectives.group(n), rank -> {
            int next = (rank.rank() + 1) % n;
            int previous = (rank.rank() + n - 1) % n;
            rank.send(ByteBuffer.wrap(new byte[] {(byte) rank.rank(), 42}), next);
            byte[] received = new byte[2];
            rank.recv(ByteBuffer.wrap(received), previous);
            return received;
        });
        for (int r = 0; r < n; r++) {
            assertArrayEquals(new byte[] {(byte) ((r + n - 1) % n), 42}, results.get(r), "rank " + r);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void barrierReleasesNoRankBeforeAllArrived(int n) throws Exception {
        AtomicInteger arrived = new AtomicInteger();
        List<Integer> seen = onEveryRank(InProcessCollectives.group(n), rank -> {
            Thread.sleep(20L * rank.rank());
            arrived.incrementAndGet();
            rank.barrier();
            return arrived.get();
        });
        for (int r = 0; r < n; r++) {
            assertEquals(n, seen.get(r), "rank " + r + " left the barrier early");
        }
    }

    @Test
    void mismatchedSizesFailOnEveryRankAndTheGroupStaysUsable() throws Exception {
        List<Collectives> group = InProcessCollectives.group(2);
        List<String> errors = onEveryRank(group, rank -> {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> rank.allReduce(FloatBuffer.wrap(new float[3 + rank.rank()]), ReduceOp.SUM));
            float[] ok = {rank.rank() + 1f};
            rank.allReduce(FloatBuffer.wrap(ok), ReduceOp.SUM);
            assertEquals(3f, ok[0]);
            return error.getMessage();
        });
        for (String message : errors) {
            assertTrue(message.contains("allReduce") && message.contains("[3, 4]"), message);
        }
    }

    @Test
    void wrongOutputSizeAndDifferentCollectivesAreRefused() throws Exception {
        List<String> errors = onEveryRank(InProcessCollectives.group(2), rank -> {
            String gather = assertThrows(IllegalArgumentException.class, () -> rank.allGather(
                    FloatBuffer.wrap(new float[2]), FloatBuffer.wrap(new float[3]))).getMessage();
            String mixed = assertThrows(IllegalArgumentException.class, () -> {
                if (rank.rank() == 0) {
                    rank.barrier();
                } else {
                    rank.broadcast(ByteBuffer.allocate(1), 0);
                }
            }).getMessage();
            return gather + " | " + mixed;
        });
        assertTrue(errors.get(0).contains("output of 4 floats") && errors.get(0).contains("[barrier, broadcast]"),
                errors.get(0));
    }

    @Test
    void aMissingPeerTimesOutInsteadOfHanging() {
        List<Collectives> group = InProcessCollectives.group(2, Duration.ofMillis(200));

        IllegalStateException error = assertThrows(IllegalStateException.class, () -> group.get(0).barrier());

        assertTrue(error.getMessage().contains("rank 0") && error.getMessage().contains("barrier"),
                error.getMessage());
        assertThrows(IllegalStateException.class, () -> group.get(1).barrier());
        assertThrows(IllegalArgumentException.class, () -> InProcessCollectives.group(0));
    }

    @Test
    void closedRankRefusesWork() {
        Collectives only = InProcessCollectives.group(1).get(0);
        only.close();
        only.close();
        assertThrows(IllegalStateException.class, only::barrier);
    }

    private static float[] randomFloats(int seed, int length) {
        Random random = new Random(seed);
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = (float) random.nextGaussian() * 1000f;
        }
        return values;
    }
}

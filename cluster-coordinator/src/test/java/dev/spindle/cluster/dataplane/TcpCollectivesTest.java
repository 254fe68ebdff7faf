package dev.spindle.cluster.dataplane;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.cluster.security.JobSecret;
import dev.spindle.collective.Collectives;
import dev.spindle.collective.InProcessCollectives;
import dev.spindle.collective.ReduceOp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Ranks are threads of this JVM, each with its own listener, talking over real loopback TCP. */
class TcpCollectivesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final JobSecret secret = JobSecret.generate();
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        pool.shutdownNow();
    }

    private List<DataPlaneListener> listeners(int n, JobSecret key) throws Exception {
        List<DataPlaneListener> listeners = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            DataPlaneListener listener = DataPlaneListener.bind("127.0.0.1", 0, key);
            resources.add(listener);
            listeners.add(listener);
        }
        return listeners;
    }

    private static List<PeerAddress> addresses(List<DataPlaneListener> listeners) {
        return listeners.stream().map(DataPlaneListener::address).toList();
    }

    private List<TcpCollectives> group(int n, long generation, Duration collectiveTimeout) throws Exception {
        List<DataPlaneListener> listeners = listeners(n, secret);
        List<PeerAddress> peers = addresses(listeners);
        List<TcpCollectives> group = onEveryRank(n, r -> () ->
                listeners.get(r).connect(generation, r, peers, TIMEOUT, collectiveTimeout));
        resources.addAll(group);
        return group;
    }

    private <T> List<T> onEveryRank(int n, IntFunction<Callable<T>> work) throws Exception {
        List<T> results = new ArrayList<>();
        for (Future<T> future : submit(n, work)) {
            results.add(future.get(60, TimeUnit.SECONDS));
        }
        return results;
    }

    /** Every rank's outcome: its result or the exception it threw. */
    private <T> List<Object> outcomes(int n, IntFunction<Callable<T>> work) throws Exception {
        List<Object> results = new ArrayList<>();
        for (Future<T> future : submit(n, work)) {
            try {
                results.add(future.get(60, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                results.add(e.getCause());
            }
        }
        return results;
    }

    /** Starts {@code work} for every rank at once, each on its own thread. */
    private <T> List<Future<T>> submit(int n, IntFunction<Callable<T>> work) {
        List<Future<T>> futures = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            futures.add(pool.submit(work.apply(r)));
        }
        return futures;
    }

    private static float[] values(int rank, int length) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = ((i * 31 + rank * 17) % 101) * 0.173f - 7.5f + rank;
        }
        return values;
    }

    private static FloatBuffer direct(float[] values) {
        FloatBuffer buffer = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        buffer.put(values).flip();
        return buffer;
    }

    private static float[] toArray(FloatBuffer buffer) {
        float[] values = new float[buffer.remaining()];
        buffer.get(buffer.position(), values);
        return values;
    }

    /** What InProcessCollectives computes for the same inputs. */
    private List<float[]> reference(int n, int length, ReduceOp op) throws Exception {
        List<Collectives> ranks = InProcessCollectives.group(n);
        return onEveryRank(n, r -> () -> {
            FloatBuffer data = FloatBuffer.wrap(values(r, length));
            ranks.get(r).allReduce(data, op);
            return toArray(data);
        });
    }

    private static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            float tolerance = 1e-5f * Math.max(1f, Math.abs(expected[i]));
            if (Math.abs(expected[i] - actual[i]) > tolerance) {
                throw new AssertionError("element " + i + ": expected " + expected[i] + " but got " + actual[i]);
            }
        }
    }

    @Test
    void allReduceEqualsInProcessForEveryOpAndGroupSize() throws Exception {
        int chunkFloats = TcpCollectives.CHUNK_BYTES / Float.BYTES;
        for (int n : new int[] {2, 3, 4}) {
            List<TcpCollectives> group = group(n, 1, TIMEOUT);
            for (int length : new int[] {1, 5, 1003, chunkFloats + 7}) {
                for (ReduceOp op : ReduceOp.values()) {
                    List<float[]> expected = reference(n, length, op);
                    List<float[]> actual = onEveryRank(n, r -> () -> {
                        FloatBuffer data = direct(values(r, length));
                        group.get(r).allReduce(data, op);
                        return toArray(data);
                    });
                    for (int r = 0; r < n; r++) {
                        assertClose(expected.get(r), actual.get(r));
                        assertArrayEquals(actual.get(0), actual.get(r), "ranks must hold identical results");
                    }
                }
            }
        }
    }

    @Test
    void segmentsSpanningSeveralChunksAreReducedChunkByChunk() throws Exception {
        int n = 3;
        int length = n * 2 * (TcpCollectives.CHUNK_BYTES / Float.BYTES) + 5; // every segment > 2 chunks
        List<TcpCollectives> group = group(n, 1, TIMEOUT);
        for (ReduceOp op : new ReduceOp[] {ReduceOp.AVG, ReduceOp.MIN}) {
            List<float[]> expected = reference(n, length, op);
            List<float[]> actual = onEveryRank(n, r -> () -> {
                FloatBuffer data = direct(values(r, length));
                group.get(r).allReduce(data, op);
                return toArray(data);
            });
            for (int r = 0; r < n; r++) {
                assertClose(expected.get(r), actual.get(r));
            }
        }
    }

    @Test
    void largeAllReducesFollowTheRingOrderExactlyOnEveryRank() throws Exception {
        // Segments of several chunks, not a whole number of them, reduced more than once on the same group.
        int length = 4 * 3 * (TcpCollectives.CHUNK_BYTES / Float.BYTES) + 4099;
        for (int n : new int[] {2, 3, 4}) {
            List<TcpCollectives> group = group(n, 1, TIMEOUT);
            for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.AVG, ReduceOp.SUM}) {
                List<float[]> actual = onEveryRank(n, r -> () -> {
                    FloatBuffer data = direct(values(r, length));
                    group.get(r).allReduce(data, op);
                    return toArray(data);
                });
                float[] expected = ringOrder(n, length, op);
                for (int r = 0; r < n; r++) {
                    assertArrayEquals(expected, actual.get(r), n + " ranks, " + op + ", rank " + r);
                }
            }
        }
    }

    /**
     * SUM/AVG as the ring computes them: segment s of n near-equal segments starts at rank s + 1 and
     * travels right, each rank adding its own value to the running sum, ending at rank s (AVG divides then).
     */
    private static float[] ringOrder(int n, int length, ReduceOp op) {
        float[][] inputs = new float[n][];
        for (int r = 0; r < n; r++) {
            inputs[r] = values(r, length);
        }
        float[] result = new float[length];
        for (int s = 0; s < n; s++) {
            int from = (int) ((long) length * s / n);
            int to = (int) ((long) length * (s + 1) / n);
            for (int i = from; i < to; i++) {
                float sum = inputs[(s + 1) % n][i];
                for (int k = 2; k <= n; k++) {
                    sum = inputs[(s + k) % n][i] + sum;
                }
                result[i] = op == ReduceOp.AVG ? sum / n : sum;
            }
        }
        return result;
    }

    @Test
    void allReduceWorksOnASliceOfAHeapBuffer() throws Exception {
        List<TcpCollectives> group = group(3, 1, TIMEOUT);
        List<float[]> results = onEveryRank(3, r -> () -> {
            float[] backing = new float[20];
            java.util.Arrays.fill(backing, -1f);
            System.arraycopy(values(r, 10), 0, backing, 4, 10);
            group.get(r).allReduce(FloatBuffer.wrap(backing).position(4).limit(14), ReduceOp.SUM);
            return backing;
        });
        List<float[]> expected = reference(3, 10, ReduceOp.SUM);
        for (int r = 0; r < 3; r++) {
            float[] backing = results.get(r);
            assertClose(expected.get(r), java.util.Arrays.copyOfRange(backing, 4, 14));
            assertEquals(-1f, backing[3], "outside the window stays untouched");
            assertEquals(-1f, backing[14], "outside the window stays untouched");
        }
    }

    @Test
    void reduceScatterAndAllGatherMatchInProcess() throws Exception {
        int n = 3;
        int length = 3 * 1001;
        List<TcpCollectives> group = group(n, 1, TIMEOUT);
        List<Collectives> reference = InProcessCollectives.group(n);
        for (ReduceOp op : ReduceOp.values()) {
            List<float[]> expected = onEveryRank(n, r -> () -> {
                FloatBuffer out = FloatBuffer.allocate(length / n);
                reference.get(r).reduceScatter(FloatBuffer.wrap(values(r, length)), out, op);
                return out.array();
            });
            List<float[]> actual = onEveryRank(n, r -> () -> {
                float[] input = values(r, length);
                FloatBuffer out = direct(new float[length / n]);
                group.get(r).reduceScatter(direct(input), out, op);
                assertArrayEquals(values(r, length), input, "reduceScatter leaves its input alone");
                return toArray(out);
            });
            for (int r = 0; r < n; r++) {
                assertClose(expected.get(r), actual.get(r));
            }
        }
        List<float[]> gathered = onEveryRank(n, r -> () -> {
            FloatBuffer out = direct(new float[length * n]);
            group.get(r).allGather(direct(values(r, length)), out);
            return toArray(out);
        });
        for (int r = 0; r < n; r++) {
            for (int peer = 0; peer < n; peer++) {
                assertArrayEquals(values(peer, length),
                        java.util.Arrays.copyOfRange(gathered.get(r), peer * length, (peer + 1) * length));
            }
        }
    }

    @Test
    void broadcastSendRecvAndBarrier() throws Exception {
        int n = 4;
        List<TcpCollectives> group = group(n, 7, TIMEOUT);
        int bytes = 2 * TcpCollectives.CHUNK_BYTES + 12345;
        byte[] message = new byte[bytes];
        new java.util.Random(42).nextBytes(message);
        for (int root : new int[] {0, 2}) {
            List<byte[]> received = onEveryRank(n, r -> () -> {
                ByteBuffer data = ByteBuffer.allocateDirect(bytes);
                if (r == root) {
                    data.put(message).flip();
                }
                group.get(r).broadcast(data, root);
                byte[] copy = new byte[bytes];
                data.get(0, copy);
                return copy;
            });
            received.forEach(copy -> assertArrayEquals(message, copy));
        }
        List<byte[]> point = onEveryRank(n, r -> () -> {
            TcpCollectives c = group.get(r);
            byte[] got = new byte[0];
            if (r == 1) {
                c.send(ByteBuffer.wrap("from one".getBytes()), 3);
            } else if (r == 3) {
                got = new byte[8];
                c.recv(ByteBuffer.wrap(got), 1);
            }
            c.barrier();
            return got;
        });
        assertEquals("from one", new String(point.get(3)));
    }

    @Test
    void ranksThatDisagreeFailWithAMessageInsteadOfCorruptingData() throws Exception {
        List<TcpCollectives> group = group(3, 1, TIMEOUT);
        List<Object> outcomes = outcomes(3, r -> () -> {
            group.get(r).allReduce(direct(values(r, r == 1 ? 6 : 5)), ReduceOp.SUM);
            return "returned";
        });
        outcomes.forEach(o -> assertTrue(o instanceof CollectiveException, "every rank fails, got " + o));
        assertTrue(outcomes.stream().anyMatch(o -> ((Exception) o).getMessage().contains("ranks disagree")),
                () -> "one rank names the disagreement: " + outcomes);
    }

    @Test
    void aDeadPeerFailsTheSurvivorsNamingItsRankAndTheGeneration() throws Exception {
        List<TcpCollectives> group = group(3, 4, TIMEOUT);
        group.get(2).close(); // as if its process died: its sockets close
        List<Object> outcomes = outcomes(2, r -> () -> {
            group.get(r).allReduce(direct(values(r, 1000)), ReduceOp.AVG);
            return "returned";
        });
        outcomes.forEach(o -> assertTrue(o instanceof CollectiveException, "survivors fail, got " + o));
        CollectiveException atRankZero = (CollectiveException) outcomes.get(0);
        assertEquals(4, atRankZero.generation());
        assertTrue(atRankZero.getMessage().contains("generation 4"), atRankZero.getMessage());
        // rank 0 reads from its left neighbour, rank 2, or is aborted by rank 1 that noticed first
        assertTrue(atRankZero.peer() == 2 || atRankZero.getMessage().contains("rank 2"), atRankZero.getMessage());
        assertThrows(CollectiveException.class, () -> group.get(0).barrier(), "the group stays broken");
    }

    @Test
    void aSilentPeerFailsAfterTheCollectiveTimeout() throws Exception {
        List<TcpCollectives> group = group(2, 1, Duration.ofMillis(300));
        CollectiveException e = assertThrows(CollectiveException.class,
                () -> group.get(0).allReduce(direct(values(0, 10)), ReduceOp.SUM));
        assertEquals(1, e.peer());
        assertTrue(e.getMessage().contains("with rank 1 at 127.0.0.1:"), e.getMessage());
        assertTrue(e.getMessage().contains("collective timeout"), e.getMessage());
    }

    @Test
    void abortWakesABlockedCallAndEveryLaterOne() throws Exception {
        List<TcpCollectives> group = group(2, 1, TIMEOUT);
        Future<Object> blocked = pool.submit(() -> {
            group.get(0).allReduce(direct(values(0, 10)), ReduceOp.SUM); // rank 1 never joins
            return "returned";
        });
        Thread.sleep(200);
        group.get(0).abort("generation 1 ended");
        group.get(0).abort("twice is fine");
        ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof CollectiveException, e.toString());
        assertTrue(e.getCause().getMessage().contains("generation 1 ended"), e.getCause().getMessage());
        CollectiveException later = assertThrows(CollectiveException.class, () -> group.get(0).barrier());
        assertTrue(later.getMessage().contains("generation 1 ended"), later.getMessage());
        // the peer's side of the links is closed too, so it fails at once instead of timing out
        assertThrows(CollectiveException.class, () -> group.get(1).barrier());
    }

    @Test
    void anInterruptedCallFailsInsteadOfSpinning() throws Exception {
        List<TcpCollectives> group = group(2, 1, TIMEOUT);
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                group.get(0).allReduce(direct(values(0, 10)), ReduceOp.SUM); // rank 1 never joins
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        caller.start();
        Thread.sleep(200);
        caller.interrupt();
        caller.join(TimeUnit.MINUTES.toMillis(1));
        assertTrue(thrown.get() instanceof CollectiveException, "got " + thrown.get());
        assertTrue(thrown.get().getMessage().contains("interrupted"), thrown.get().getMessage());
    }

    @Test
    void aWrongSecretIsRefusedOnBothSides() throws Exception {
        DataPlaneListener good = listeners(1, secret).get(0);
        DataPlaneListener intruder = listeners(1, JobSecret.generate()).get(0);
        List<PeerAddress> peers = List.of(good.address(), intruder.address());
        Future<TcpCollectives> rank0 = pool.submit(() ->
                good.connect(1, 0, peers, Duration.ofMillis(500)));
        CollectiveException dialer = assertThrows(CollectiveException.class,
                () -> intruder.connect(1, 1, peers, TIMEOUT));
        assertTrue(dialer.getMessage().contains("did not prove the job secret"), dialer.getMessage());
        assertEquals(0, dialer.peer());
        ExecutionException waiting = assertThrows(ExecutionException.class, () -> rank0.get(30, TimeUnit.SECONDS));
        CollectiveException acceptor = (CollectiveException) waiting.getCause();
        assertEquals(1, acceptor.peer());
        assertTrue(acceptor.getMessage().contains("did not connect"), acceptor.getMessage());
    }

    @Test
    void anOlderGenerationIsRefused() throws Exception {
        List<DataPlaneListener> listeners = listeners(2, secret);
        List<PeerAddress> peers = addresses(listeners);
        // rank 0 already moved on to generation 5 (its peers of generation 5 have not come yet)
        Future<TcpCollectives> newer = pool.submit(() -> listeners.get(0).connect(5, 0, peers, Duration.ofMillis(700)));
        Thread.sleep(200);
        CollectiveException stale = assertThrows(CollectiveException.class,
                () -> listeners.get(1).connect(4, 1, peers, TIMEOUT));
        assertTrue(stale.getMessage().contains("newer generation"), stale.getMessage());
        assertThrows(ExecutionException.class, () -> newer.get(30, TimeUnit.SECONDS));
        CollectiveException local = assertThrows(CollectiveException.class,
                () -> listeners.get(0).connect(3, 0, peers, TIMEOUT));
        assertTrue(local.getMessage().contains("already connected generation 5"), local.getMessage());
    }

    @Test
    void aSecondConnectionClaimingTheSameRankIsRefused() throws Exception {
        List<DataPlaneListener> listeners = listeners(3, secret);
        List<PeerAddress> peers = addresses(listeners);
        // listeners 1 and 2 both claim rank 1 towards rank 0, which has not called connect yet
        listeners.get(1).connect(2, 1, List.of(peers.get(0), peers.get(1)), TIMEOUT).close();
        CollectiveException duplicate = assertThrows(CollectiveException.class,
                () -> listeners.get(2).connect(2, 1, List.of(peers.get(0), peers.get(2)), TIMEOUT));
        assertTrue(duplicate.getMessage().contains("already claimed"), duplicate.getMessage());
    }

    @Test
    void badArgumentsAreNamed() throws Exception {
        DataPlaneListener listener = listeners(1, secret).get(0);
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                () -> listener.connect(1, 2, List.of(listener.address()), TIMEOUT));
        assertTrue(rank.getMessage().contains("rank 2 is not in a group of 1"), rank.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PeerAddress.parse("localhost"));
        assertThrows(IllegalArgumentException.class, () -> PeerAddress.parse("localhost:http"));
        assertEquals(new PeerAddress("::1", 5), PeerAddress.parse("[::1]:5"));
        assertEquals("[::1]:5", PeerAddress.parse("[::1]:5").toString());
        try (TcpCollectives single = listener.connect(1, 0, List.of(listener.address()), TIMEOUT)) {
            FloatBuffer data = FloatBuffer.wrap(new float[] {1, 2});
            single.allReduce(data, ReduceOp.AVG);
            assertArrayEquals(new float[] {1, 2}, data.array());
            assertThrows(IllegalArgumentException.class, () -> single.send(ByteBuffer.allocate(1), 0));
        }
    }
}

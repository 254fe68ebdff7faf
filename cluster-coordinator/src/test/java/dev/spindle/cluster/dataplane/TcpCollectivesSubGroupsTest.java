package dev.spindle.cluster.dataplane;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.cluster.security.JobSecret;
import dev.spindle.collective.Collectives;
import dev.spindle.collective.ReduceOp;
import dev.spindle.parallel.mesh.MeshGroups;
import dev.spindle.parallel.mesh.MeshShape;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Sub-group views of a TCP group, ranks as threads of this JVM over real loopback sockets: a 2 × 2
 * mesh (tensor groups {0, 1} and {2, 3}, pipeline groups {0, 2} and {1, 3}) with several threads per
 * rank on views that share one socket per pair.
 */
class TcpCollectivesSubGroupsTest {

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

    private List<TcpCollectives> world(int n) throws Exception {
        List<DataPlaneListener> listeners = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            DataPlaneListener listener = DataPlaneListener.bind("127.0.0.1", 0, secret);
            resources.add(listener);
            listeners.add(listener);
        }
        List<PeerAddress> peers = listeners.stream().map(DataPlaneListener::address).toList();
        List<Callable<TcpCollectives>> connects = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            int rank = r;
            connects.add(() -> listeners.get(rank).connect(3, rank, peers, TIMEOUT, TIMEOUT));
        }
        List<TcpCollectives> world = all(connects);
        resources.addAll(world);
        return world;
    }

    private <T> List<T> all(List<Callable<T>> work) throws Exception {
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> task : work) {
            futures.add(pool.submit(task));
        }
        List<T> results = new ArrayList<>();
        for (Future<T> future : futures) {
            results.add(future.get(120, TimeUnit.SECONDS));
        }
        return results;
    }

    private static FloatBuffer direct(int length) {
        return ByteBuffer.allocateDirect(length * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** A message that says who sent it and when: every byte depends on the sender and the round. */
    private static byte[] message(int sender, int round, int bytes) {
        byte[] message = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            message[i] = (byte) (i * 31 + sender * 7 + round * 13);
        }
        return message;
    }

    /**
     * On every rank three threads at once: a sender thread streams messages to the other stage on one
     * pipeline view, a receiver thread takes the other stage's messages from the same socket on a second
     * view, and a third all-reduces (several chunks per ring segment) in the tensor group over other sockets.
     */
    @Test
    void sendAndRecvThreadsOnPipelineViewsRunBesideATensorAllReduce() throws Exception {
        List<TcpCollectives> world = world(4);
        int rounds = 40;
        int bytes = 3 * TcpCollectives.CHUNK_BYTES / 2 + 7;
        int floats = TcpCollectives.CHUNK_BYTES; // 4 MiB: the ring's two segments span several receive chunks
        List<Callable<String>> work = new ArrayList<>();
        for (int worldRank = 0; worldRank < 4; worldRank++) {
            int r = worldRank;
            int t = r % 2;
            int p = r / 2;
            int other = 1 - p;
            TcpCollectives tensor = world.get(r).subGroup(2 * p, 2 * p + 1);
            TcpCollectives sender = world.get(r).subGroup(t, 2 + t);
            TcpCollectives receiver = world.get(r).subGroup(t, 2 + t);
            assertEquals(t, tensor.rank());
            assertEquals(p, sender.rank());
            assertEquals(3, receiver.generation());
            work.add(() -> {
                FloatBuffer data = direct(floats);
                for (int round = 0; round < rounds / 4; round++) {
                    for (int i = 0; i < floats; i++) {
                        data.put(i, (i % 1000) + r + round);
                    }
                    tensor.allReduce(data, ReduceOp.SUM);
                    for (int i = 0; i < floats; i += 997) {
                        // ranks 2p and 2p + 1, both exact small integers
                        float expected = 2 * (i % 1000) + 4 * p + 1 + 2 * round;
                        if (data.get(i) != expected) {
                            throw new AssertionError("rank " + r + " round " + round + " element " + i + ": expected "
                                    + expected + " but got " + data.get(i));
                        }
                    }
                }
                return "reduced";
            });
            work.add(() -> {
                for (int round = 0; round < rounds; round++) {
                    sender.send(ByteBuffer.wrap(message(r, round, bytes)), other);
                }
                return "sent";
            });
            work.add(() -> {
                int from = 2 * other + t;
                ByteBuffer got = ByteBuffer.allocateDirect(bytes);
                byte[] copy = new byte[bytes];
                for (int round = 0; round < rounds; round++) {
                    receiver.recv(got.clear(), other);
                    got.get(0, copy);
                    assertArrayEquals(message(from, round, bytes), copy, "round " + round + " from rank " + from);
                }
                return "received";
            });
        }
        assertEquals(12, all(work).size());
        // The streams stay aligned: the world group still works over the same sockets.
        List<Callable<float[]>> after = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            int rank = r;
            after.add(() -> {
                float[] one = {rank};
                world.get(rank).allReduce(FloatBuffer.wrap(one), ReduceOp.SUM);
                return one;
            });
        }
        all(after).forEach(sum -> assertEquals(6f, sum[0]));
    }

    /**
     * The 2 × 2 × 2 mesh over 8 TCP ranks: the compute thread reduces in the tensor, data and model
     * groups while the pipeline's sender thread (a second pipeline view) and receiver thread exchange
     * messages with the other stage.
     */
    @Test
    void meshGroupsOverTcpReduceInEveryGroupWhileThePipelineViewsExchange() throws Exception {
        MeshShape shape = MeshShape.of(8, 2, 2);
        List<TcpCollectives> world = world(shape.worldSize());
        int rounds = 30;
        List<MeshGroups> meshes = new ArrayList<>();
        List<Callable<String>> work = new ArrayList<>();
        for (int worldRank = 0; worldRank < shape.worldSize(); worldRank++) {
            int r = worldRank;
            MeshGroups mesh = MeshGroups.of(world.get(r), shape);
            meshes.add(mesh);
            resources.add(mesh);
            int other = 1 - mesh.coordinate().pipeline();
            Collectives senders = mesh.newPipelineView();
            work.add(() -> {
                for (int round = 0; round < rounds; round++) {
                    float[] sums = {r + round, r + round, r + round};
                    mesh.tensor().allReduce(FloatBuffer.wrap(sums, 0, 1), ReduceOp.SUM);
                    mesh.data().allReduce(FloatBuffer.wrap(sums, 1, 1), ReduceOp.SUM);
                    mesh.model().allReduce(FloatBuffer.wrap(sums, 2, 1), ReduceOp.SUM);
                    assertEquals(sum(shape.tensorGroup(r)) + 2 * round, sums[0], "tensor, rank " + r);
                    assertEquals(sum(shape.dataGroup(r)) + 2 * round, sums[1], "data, rank " + r);
                    assertEquals(sum(shape.modelGroup(r)) + 4 * round, sums[2], "model, rank " + r);
                }
                return "computed";
            });
            work.add(() -> {
                for (int round = 0; round < rounds; round++) {
                    senders.send(ByteBuffer.wrap(message(r, round, 4096)), other);
                }
                return "sent";
            });
            work.add(() -> {
                int from = shape.pipelineGroup(r)[other];
                ByteBuffer got = ByteBuffer.allocate(4096);
                for (int round = 0; round < rounds; round++) {
                    mesh.pipeline().recv(got.clear(), other);
                    assertArrayEquals(message(from, round, 4096), got.array(), "round " + round);
                }
                return "received";
            });
        }
        assertEquals(3 * shape.worldSize(), all(work).size());
    }

    private static float sum(int[] ranks) {
        float sum = 0;
        for (int rank : ranks) {
            sum += rank;
        }
        return sum;
    }

    @Test
    void abortingTheGroupWakesAViewBlockedOnAnotherThreadAndThePeers() throws Exception {
        List<TcpCollectives> world = world(2);
        TcpCollectives view = world.get(0).subGroup(1, 0);
        assertEquals(1, view.rank());
        Future<Object> blocked = pool.submit(() -> {
            view.recv(ByteBuffer.allocate(4), 0); // world rank 1 never sends
            return "returned";
        });
        Future<Object> peer = pool.submit(() -> {
            world.get(1).recv(ByteBuffer.allocate(4), 0); // world rank 0 never sends either
            return "returned";
        });
        Thread.sleep(200);
        long start = System.nanoTime();
        world.get(0).abort("generation 3 ended");
        ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("generation 3 ended"), e.getCause().getMessage());
        // the sockets closed under the view are the peer's too: it fails long before the 20 s timeout
        ExecutionException atPeer = assertThrows(ExecutionException.class, () -> peer.get(10, TimeUnit.SECONDS));
        assertTrue(atPeer.getCause() instanceof CollectiveException, atPeer.toString());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
        assertThrows(CollectiveException.class, () -> world.get(0).subGroup(0, 1));
    }

    @Test
    void abortingAViewBreaksTheGroupItCameFromAndItsOtherViews() throws Exception {
        List<TcpCollectives> world = world(2);
        TcpCollectives first = world.get(0).subGroup(0, 1);
        TcpCollectives second = world.get(0).subGroup(0, 1);
        Future<Object> blocked = pool.submit(() -> {
            world.get(0).barrier(); // world rank 1 never joins
            return "returned";
        });
        Thread.sleep(200);
        first.abort("the pipeline failed");
        ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("the pipeline failed"), e.getCause().getMessage());
        CollectiveException sibling = assertThrows(CollectiveException.class, second::barrier);
        assertTrue(sibling.getMessage().contains("the pipeline failed"), sibling.getMessage());
    }

    @Test
    void closingAViewLeavesTheGroupOpenAndClosingTheGroupClosesItsViews() throws Exception {
        List<TcpCollectives> world = world(2);
        List<Callable<String>> work = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            int rank = r;
            work.add(() -> {
                TcpCollectives view = world.get(rank).subGroup(0, 1);
                view.barrier();
                view.close();
                view.close();
                CollectiveException closed = assertThrows(CollectiveException.class, view::barrier);
                assertTrue(closed.getMessage().contains("view is closed"), closed.getMessage());
                world.get(rank).barrier();
                TcpCollectives kept = world.get(rank).subGroup(rank);
                kept.barrier(); // a view of one needs no peer
                world.get(rank).close();
                CollectiveException gone = assertThrows(CollectiveException.class, kept::barrier);
                assertTrue(gone.getMessage().contains("are closed"), gone.getMessage());
                return "ok";
            });
        }
        assertEquals(List.of("ok", "ok"), all(work));
    }

    @Test
    void aViewNamesAFailedPeerByItsViewAndWorldRank() throws Exception {
        List<TcpCollectives> world = world(3);
        TcpCollectives view = world.get(0).subGroup(2, 0);
        world.get(2).close(); // as if its process died
        CollectiveException e = assertThrows(CollectiveException.class, () -> view.recv(ByteBuffer.allocate(4), 0));
        assertEquals(2, e.peer());
        assertTrue(e.getMessage().contains("rank 0 (world rank 2)"), e.getMessage());
        assertThrows(CollectiveException.class, () -> world.get(0).barrier(), "the failure broke the group");
    }

    @Test
    void membersThatDoNotFormAGroupAreRefused() throws Exception {
        List<TcpCollectives> world = world(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> world.get(0).subGroup(1));
        assertTrue(e.getMessage().contains("leave out the caller, rank 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> world.get(0).subGroup(0, 2));
    }
}

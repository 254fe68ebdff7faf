package dev.spindle.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InProcessSubGroupsTest {

    private static final int ROUNDS = 200;

    private final RankThreads threads = new RankThreads();

    @AfterEach
    void stopThreads() {
        threads.close();
    }

    private <T> List<T> all(List<Callable<T>> work) throws Exception {
        return threads.all(work);
    }

    @Test
    void collectivesOfASubGroupMeetOnlyItsMembersInTheListedOrder() throws Exception {
        List<Collectives> world = InProcessCollectives.group(4);
        // Two groups: {3, 1} (rank 3 is the view's rank 0) and {0, 2}.
        int[][] groups = {{0, 2}, {3, 1}, {0, 2}, {3, 1}};
        List<Callable<float[]>> work = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            int rank = r;
            work.add(() -> {
                Collectives view = world.get(rank).subGroup(groups[rank]);
                float[] gathered = new float[2];
                view.allGather(FloatBuffer.wrap(new float[] {rank}), FloatBuffer.wrap(gathered));
                float[] sum = {rank, 10 * rank};
                view.allReduce(FloatBuffer.wrap(sum), ReduceOp.SUM);
                return new float[] {view.rank(), view.worldSize(), gathered[0], gathered[1], sum[0], sum[1]};
            });
        }
        List<float[]> results = all(work);
        assertArrayEquals(new float[] {0, 2, 0, 2, 2, 20}, results.get(0));
        assertArrayEquals(new float[] {1, 2, 3, 1, 4, 40}, results.get(1));
        assertArrayEquals(new float[] {1, 2, 0, 2, 2, 20}, results.get(2));
        assertArrayEquals(new float[] {0, 2, 3, 1, 4, 40}, results.get(3));
    }

    /**
     * Tensor × pipeline = 2 × 2: on every rank one thread all-reduces in its tensor group while a second
     * sends activations through one pipeline view and a third receives through another, both directions
     * between the stages at once.
     */
    @Test
    void tensorAllReduceRunsWhileOtherThreadsSendAndReceiveOnPipelineViews() throws Exception {
        List<Collectives> world = InProcessCollectives.group(4, Duration.ofSeconds(30));
        List<Callable<String>> work = new ArrayList<>();
        for (int worldRank = 0; worldRank < 4; worldRank++) {
            int r = worldRank;
            Collectives rank = world.get(r);
            int t = r % 2;
            int p = r / 2;
            Collectives tensor = rank.subGroup(2 * p, 2 * p + 1);
            Collectives sender = rank.subGroup(t, 2 + t);
            Collectives receiver = rank.subGroup(t, 2 + t);
            int other = 1 - p;
            work.add(() -> {
                for (int round = 0; round < ROUNDS; round++) {
                    float[] data = {r + round, 1};
                    tensor.allReduce(FloatBuffer.wrap(data), ReduceOp.SUM);
                    // Ranks 2p and 2p + 1: (2p + round) + (2p + 1 + round).
                    assertArrayEquals(new float[] {4 * p + 1 + 2 * round, 2}, data, "tensor round " + round);
                }
                return "tensor";
            });
            work.add(() -> {
                for (int round = 0; round < ROUNDS; round++) {
                    sender.send(ByteBuffer.allocate(8).putInt(0, r).putInt(4, round), other);
                }
                return "sent";
            });
            work.add(() -> {
                int from = 2 * other + t;
                for (int round = 0; round < ROUNDS; round++) {
                    ByteBuffer message = ByteBuffer.allocate(8);
                    receiver.recv(message, other);
                    assertEquals(from, message.getInt(0), "sender");
                    assertEquals(round, message.getInt(4), "messages arrive in order");
                }
                return "received";
            });
        }
        assertEquals(12, all(work).size());
    }

    @Test
    void aSecondViewOfTheSameMembersSharesTheirMailboxes() throws Exception {
        List<Collectives> world = InProcessCollectives.group(2);
        Collectives first = world.get(0).subGroup(0, 1);
        Collectives second = world.get(1).subGroup(0, 1);
        Collectives again = world.get(1).subGroup(0, 1);
        first.send(ByteBuffer.wrap(new byte[] {7}), 1);
        ByteBuffer got = ByteBuffer.allocate(1);
        again.recv(got, 0);
        assertEquals(7, got.get(0));
        first.send(ByteBuffer.wrap(new byte[] {8}), 1);
        second.recv(got.clear(), 0);
        assertEquals(8, got.get(0));
    }

    @Test
    void membersThatDoNotFormAGroupAreRefusedWithTheReason() {
        Collectives rank1 = InProcessCollectives.group(4).get(1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> rank1.subGroup(0, 2)).getMessage()
                .contains("leave out the caller, rank 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> rank1.subGroup(1, 1)).getMessage()
                .contains("list rank 1 twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> rank1.subGroup(1, 4)).getMessage()
                .contains("member 4 in [1, 4] does not exist in a group of 4 ranks (0..3)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> rank1.subGroup()).getMessage()
                .contains("at least one member"));
    }

    @Test
    void closingAViewLeavesTheGroupOpenAndClosingTheGroupClosesItsViews() throws Exception {
        List<Collectives> world = InProcessCollectives.group(1);
        Collectives rank = world.get(0);
        Collectives view = rank.subGroup(0);
        Collectives nested = view.subGroup(0);
        view.close();
        assertThrows(IllegalStateException.class, view::barrier);
        assertThrows(IllegalStateException.class, nested::barrier);
        rank.barrier();
        Collectives other = rank.subGroup(0);
        other.barrier();
        rank.close();
        assertThrows(IllegalStateException.class, other::barrier);
    }

    @Test
    void aRankInterruptedInAViewBreaksTheWholeTreeAtOnce() throws Exception {
        List<Collectives> world = InProcessCollectives.group(3, Duration.ofSeconds(20));
        Collectives view = world.get(0).subGroup(0, 1);
        CountDownLatch waiting = new CountDownLatch(1);
        Thread stuck = new Thread(() -> {
            waiting.countDown();
            view.barrier(); // rank 1 never comes
        });
        Future<?> peer = threads.submit(() -> world.get(1).recv(ByteBuffer.allocate(4), 0));
        Future<?> atBarrier = threads.submit(() -> world.get(2).barrier()); // waits at the world's meeting
        stuck.start();
        waiting.await();
        Thread.sleep(100);
        long start = System.nanoTime();
        stuck.interrupt();
        ExecutionException failure = assertThrows(ExecutionException.class, () -> peer.get(10, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "the peer's wait ended with the break");
        assertTrue(failure.getCause().getMessage().contains("rank 0 was interrupted in barrier"),
                failure.getCause().getMessage());
        ExecutionException met = assertThrows(ExecutionException.class, () -> atBarrier.get(10, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "the meeting ended with the break");
        assertTrue(met.getCause().getMessage().contains("rank 0 was interrupted in barrier"),
                met.getCause().getMessage());
        stuck.join();
        IllegalStateException later = assertThrows(IllegalStateException.class, () -> world.get(0).barrier());
        assertTrue(later.getMessage().contains("broken"), later.getMessage());
    }

    @Test
    void theGroupOfOneIsItsOwnSubGroup() {
        Collectives one = Collectives.single();
        assertSame(one, one.subGroup(0));
        assertThrows(IllegalArgumentException.class, () -> one.subGroup(1));
    }
}

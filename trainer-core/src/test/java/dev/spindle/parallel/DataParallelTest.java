package dev.spindle.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.spindle.collective.Collectives;
import dev.spindle.collective.InProcessCollectives;
import dev.spindle.collective.ReduceOp;
import dev.spindle.model.Parameters;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DataParallelTest {

    private NDManager manager;

    @BeforeEach
    void createManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    /** A replica: weight 3x5, bias 7 (trainable), frozen 4; gradients are x(rank) and y(rank). */
    private Parameters replicaWithGradients(int rank) {
        Parameters parameters = new Parameters();
        NDArray weight = parameters.register("weight", manager.ones(new Shape(3, 5)));
        NDArray bias = parameters.register("bias", manager.ones(new Shape(7)));
        parameters.register("frozen", manager.ones(new Shape(4)));
        parameters.freeze("frozen");
        // One collector at a time in a JVM, so replicas run backward one after the other.
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = weight.mul(manager.create(x(rank), new Shape(3, 5))).sum()
                    .add(bias.mul(manager.create(y(rank))).sum());
            collector.backward(loss);
        }
        return parameters;
    }

    private static float[] x(int rank) {
        float[] values = new float[15];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i * 0.37f + rank * 1.91f) % 3f - 1f;
        }
        return values;
    }

    private static float[] y(int rank) {
        float[] values = new float[7];
        for (int i = 0; i < values.length; i++) {
            values[i] = rank == 0 ? i : -2.5f * i + 0.125f;
        }
        return values;
    }

    private static float[] gradient(Parameters parameters, String name) {
        try (NDArray gradient = parameters.get(name).getGradient()) {
            return gradient.toFloatArray();
        }
    }

    @Test
    void twoRanksEachEndWithTheMeanGradientAcrossBucketBoundaries() throws Exception {
        List<Parameters> replicas = List.of(replicaWithGradients(0), replicaWithGradients(1));
        assertArrayEquals(x(1), gradient(replicas.get(1), "weight")); // the gradients are what the test thinks
        List<Collectives> group = InProcessCollectives.group(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int rank = 0; rank < 2; rank++) {
                // 16-byte buckets: 4 floats, so the 15-float weight spans four and shares one with the bias.
                DataParallel ddp = new DataParallel(group.get(rank), 16);
                Parameters replica = replicas.get(rank);
                done.add(threads.submit(() -> ddp.synchronizeGradients(replica)));
            }
            for (Future<?> future : done) {
                future.get(30, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }

        float[] meanX = new float[15];
        for (int i = 0; i < 15; i++) {
            meanX[i] = (float) (((double) x(0)[i] + x(1)[i]) / 2);
        }
        float[] meanY = new float[7];
        for (int i = 0; i < 7; i++) {
            meanY[i] = (float) (((double) y(0)[i] + y(1)[i]) / 2);
        }
        for (int rank = 0; rank < 2; rank++) {
            assertArrayEquals(meanX, gradient(replicas.get(rank), "weight"), 1e-6f, "weight on rank " + rank);
            assertArrayEquals(meanY, gradient(replicas.get(rank), "bias"), 1e-6f, "bias on rank " + rank);
            assertArrayEquals(gradient(replicas.get(0), "weight"), gradient(replicas.get(rank), "weight"));
        }
    }

    @Test
    void aGroupOfOneCallsNoCollectiveAndLeavesGradientsAlone() {
        Parameters replica = replicaWithGradients(1);
        RecordingSingleRank recorder = new RecordingSingleRank();

        new DataParallel(recorder, DataParallel.DEFAULT_BUCKET_BYTES).synchronizeGradients(replica);

        assertTrue(recorder.calls.isEmpty(), recorder.calls.toString());
        assertArrayEquals(x(1), gradient(replica, "weight"));
        assertArrayEquals(y(1), gradient(replica, "bias"));
    }

    @Test
    void bucketSizeBelowOneFloatIsRefused() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new DataParallel(Collectives.single(), 3));
        assertTrue(error.getMessage().contains("bucketBytes") && error.getMessage().contains("3"));
        assertFalse(error.getMessage().isBlank());
    }

    @Test
    void bucketsAreReducedInOrderOnOneCommunicationThreadAndEveryFloatIsWrittenBack() {
        Parameters replica = replicaWithGradients(1);
        NegatingPair pair = new NegatingPair(-1);

        // 16-byte buckets: 15 + 7 = 22 floats make buckets of 4, 4, 4, 4, 4 and 2 floats.
        new DataParallel(pair, 16).synchronizeGradients(replica);

        assertEquals(List.of(4, 4, 4, 4, 4, 2), pair.sizes);
        assertEquals(1, pair.threads.size(), "one communication thread: " + pair.threads);
        assertFalse(pair.threads.contains(Thread.currentThread().getName()), "not the caller's thread");
        float[] weight = gradient(replica, "weight");
        float[] bias = gradient(replica, "bias");
        for (int i = 0; i < 15; i++) {
            assertEquals(-x(1)[i], weight[i], 1e-6f, "weight[" + i + "]");
        }
        for (int i = 0; i < 7; i++) {
            assertEquals(-y(1)[i], bias[i], 1e-6f, "bias[" + i + "]");
        }
    }

    @Test
    void aFailingCollectiveIsRethrownAndNoLaterBucketIsReduced() {
        Parameters replica = replicaWithGradients(0);
        NegatingPair pair = new NegatingPair(2);

        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> new DataParallel(pair, 16).synchronizeGradients(replica));

        assertEquals("peer lost in call 2", error.getMessage());
        assertEquals(List.of(4, 4, 4), pair.sizes, "calls 0, 1 and the failing 2, nothing after");
    }

    @Test
    void gradientsThatFitOneBucketAreReducedOnTheCallersThread() {
        Parameters replica = replicaWithGradients(1);
        NegatingPair pair = new NegatingPair(-1);

        new DataParallel(pair, DataParallel.DEFAULT_BUCKET_BYTES).synchronizeGradients(replica);

        assertEquals(List.of(22), pair.sizes);
        assertEquals(java.util.Set.of(Thread.currentThread().getName()), pair.threads);
        assertEquals(-y(1)[3], gradient(replica, "bias")[3], 1e-6f);
    }

    /** A two-rank world seen from one rank whose peer contributes -3x: the mean is -x. Fails at call {@code failAt}. */
    private static final class NegatingPair implements Collectives {
        final List<Integer> sizes = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final int failAt;

        NegatingPair(int failAt) {
            this.failAt = failAt;
        }

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int worldSize() {
            return 2;
        }

        @Override
        public void allReduce(FloatBuffer data, ReduceOp op) {
            assertEquals(ReduceOp.AVG, op);
            threads.add(Thread.currentThread().getName());
            int call = sizes.size();
            sizes.add(data.remaining());
            if (call == failAt) {
                throw new IllegalStateException("peer lost in call " + call);
            }
            for (int i = data.position(); i < data.limit(); i++) {
                data.put(i, (data.get(i) + -3 * data.get(i)) / 2);
            }
        }

        @Override
        public void reduceScatter(FloatBuffer input, FloatBuffer output, ReduceOp op) {
            throw new AssertionError("DataParallel calls only allReduce; DataParallelOverTcpTest covers the real data plane");
        }

        @Override
        public void allGather(FloatBuffer input, FloatBuffer output) {
            throw new AssertionError("DataParallel calls only allReduce; DataParallelOverTcpTest covers the real data plane");
        }

        @Override
        public void broadcast(ByteBuffer data, int root) {
            throw new AssertionError("DataParallel calls only allReduce; DataParallelOverTcpTest covers the real data plane");
        }

        @Override
        public void send(ByteBuffer data, int peer) {
            throw new AssertionError("DataParallel calls only allReduce; DataParallelOverTcpTest covers the real data plane");
        }

        @Override
        public void recv(ByteBuffer data, int peer) {
            throw new AssertionError("DataParallel calls only allReduce; DataParallelOverTcpTest covers the real data plane");
        }

        @Override
        public void barrier() {
            throw new AssertionError("DataParallel calls only allReduce; DataParallelOverTcpTest covers the real data plane");
        }

        @Override
        public Collectives subGroup(int... members) {
            throw new AssertionError("DataParallel calls only allReduce; it never makes sub-groups");
        }

        @Override
        public void close() {}
    }

    /** A world of one that records every collective called on it. */
    private static final class RecordingSingleRank implements Collectives {
        final List<String> calls = new ArrayList<>();

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int worldSize() {
            return 1;
        }

        @Override
        public void allReduce(FloatBuffer data, ReduceOp op) {
            calls.add("allReduce");
        }

        @Override
        public void reduceScatter(FloatBuffer input, FloatBuffer output, ReduceOp op) {
            calls.add("reduceScatter");
        }

        @Override
        public void allGather(FloatBuffer input, FloatBuffer output) {
            calls.add("allGather");
        }

        @Override
        public void broadcast(ByteBuffer data, int root) {
            calls.add("broadcast");
        }

        @Override
        public void send(ByteBuffer data, int peer) {
            calls.add("send");
        }

        @Override
        public void recv(ByteBuffer data, int peer) {
            calls.add("recv");
        }

        @Override
        public void barrier() {
            calls.add("barrier");
        }

        @Override
        public Collectives subGroup(int... members) {
            calls.add("subGroup");
            return this;
        }

        @Override
        public void close() {}
    }
}

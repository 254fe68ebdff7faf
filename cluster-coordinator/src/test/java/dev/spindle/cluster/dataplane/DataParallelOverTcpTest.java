package dev.spindle.cluster.dataplane;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.spindle.cluster.security.JobSecret;
import dev.spindle.model.Parameters;
import dev.spindle.parallel.DataParallel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** DataParallel's double-buffered buckets over the TCP data plane: every replica ends with the mean gradient. */
class DataParallelOverTcpTest {

    private static final int RANKS = 3;

    private static float[] values(int rank, int length, float scale) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = ((i * 7 + rank * 13) % 11 - 5) * scale + rank;
        }
        return values;
    }

    @Test
    void replicasEndWithTheMeanGradient() throws Exception {
        JobSecret secret = JobSecret.generate();
        ExecutorService pool = Executors.newCachedThreadPool();
        List<DataPlaneListener> listeners = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            List<Parameters> replicas = new ArrayList<>();
            for (int r = 0; r < RANKS; r++) {
                Parameters parameters = new Parameters();
                NDArray weight = parameters.register("weight", manager.ones(new Shape(5, 7)));
                NDArray bias = parameters.register("bias", manager.ones(new Shape(9)));
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.backward(weight.mul(manager.create(values(r, 35, 0.25f), new Shape(5, 7))).sum()
                            .add(bias.mul(manager.create(values(r, 9, -1.5f))).sum()));
                }
                replicas.add(parameters);
                listeners.add(DataPlaneListener.bind("127.0.0.1", 0, secret));
            }
            List<PeerAddress> peers = listeners.stream().map(DataPlaneListener::address).toList();
            List<Future<?>> done = new ArrayList<>();
            for (int r = 0; r < RANKS; r++) {
                int rank = r;
                done.add(pool.submit(() -> {
                    try (TcpCollectives c = listeners.get(rank).connect(1, rank, peers, Duration.ofSeconds(20))) {
                        // 40-byte buckets: 44 floats make five buckets, two of them shared by both gradients
                        new DataParallel(c, 40).synchronizeGradients(replicas.get(rank));
                        c.barrier();
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
            float[] meanWeight = mean(35, 0.25f);
            float[] meanBias = mean(9, -1.5f);
            for (Parameters replica : replicas) {
                try (NDArray weight = replica.get("weight").getGradient();
                     NDArray bias = replica.get("bias").getGradient()) {
                    assertArrayEquals(meanWeight, weight.toFloatArray(), 1e-5f);
                    assertArrayEquals(meanBias, bias.toFloatArray(), 1e-5f);
                }
            }
        } finally {
            listeners.forEach(DataPlaneListener::close);
            pool.shutdownNow();
        }
    }

    private static float[] mean(int length, float scale) {
        float[] mean = new float[length];
        for (int r = 0; r < RANKS; r++) {
            float[] v = values(r, length, scale);
            for (int i = 0; i < length; i++) {
                mean[i] += v[i] / RANKS;
            }
        }
        return mean;
    }
}

package dev.spindle.cluster.dataplane;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.spindle.cluster.security.JobSecret;
import dev.spindle.collective.ReduceOp;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RendezvousTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Test
    void ranksThatKnowOnlyRankZeroFindEachOtherAndConnect() throws Exception {
        JobSecret secret = JobSecret.generate();
        int n = 3;
        ExecutorService pool = Executors.newCachedThreadPool();
        List<DataPlaneListener> listeners = new ArrayList<>();
        try {
            for (int r = 0; r < n; r++) {
                listeners.add(DataPlaneListener.bind("127.0.0.1", 0, secret));
            }
            PeerAddress root = listeners.get(0).address();
            List<Future<float[]>> results = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                results.add(pool.submit(() -> {
                    List<PeerAddress> peers = Rendezvous.exchange(listeners.get(rank), rank, n, root,
                            Rendezvous.BOOTSTRAP_GENERATION, TIMEOUT);
                    assertEquals(listeners.stream().map(DataPlaneListener::address).toList(), peers);
                    try (TcpCollectives c = listeners.get(rank).connect(1, rank, peers, TIMEOUT)) {
                        FloatBuffer data = FloatBuffer.wrap(new float[] {rank, 1});
                        c.allReduce(data, ReduceOp.SUM);
                        return data.array();
                    }
                }));
            }
            for (Future<float[]> result : results) {
                assertArrayEquals(new float[] {0 + 1 + 2, 3}, result.get(60, TimeUnit.SECONDS));
            }
        } finally {
            listeners.forEach(DataPlaneListener::close);
            pool.shutdownNow();
        }
    }

    @Test
    void aRankWithoutRankZeroTimesOutNamingIt() throws Exception {
        try (DataPlaneListener lonely = DataPlaneListener.bind("127.0.0.1", 0, JobSecret.generate());
             DataPlaneListener absent = DataPlaneListener.bind("127.0.0.1", 0, JobSecret.generate())) {
            PeerAddress root = absent.address();
            absent.close(); // nobody listens there any more
            CollectiveException e = assertThrows(CollectiveException.class, () -> Rendezvous.exchange(lonely, 1, 2, root,
                    Rendezvous.BOOTSTRAP_GENERATION, Duration.ofMillis(300)));
            assertEquals(0, e.peer());
        }
    }
}

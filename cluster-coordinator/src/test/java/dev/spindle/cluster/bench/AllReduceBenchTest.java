package dev.spindle.cluster.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.cluster.security.JobSecret;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AllReduceBenchTest {

    @TempDir
    Path dir;

    @Test
    void threeRanksMeetThroughRankZeroAndRankZeroPrintsOneJsonLine() throws Exception {
        Path secretFile = dir.resolve("job.secret");
        JobSecret.generate().write(secretFile);
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        int ranks = 3;
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            List<Future<String>> lines = new ArrayList<>();
            for (int r = 0; r < ranks; r++) {
                String[] argv = AllReduceBench.args(r, ranks, 1, "127.0.0.1:" + port, secretFile, 3, 1)
                        .toArray(String[]::new);
                lines.add(pool.submit(() -> AllReduceBench.run(AllReduceBench.parse(argv))));
            }
            JsonNode json = new ObjectMapper().readTree(lines.get(0).get(60, TimeUnit.SECONDS));
            assertEquals("spindle", json.get("impl").asText());
            assertEquals(3, json.get("ranks").asInt());
            assertEquals(1L << 20, json.get("bytes").asLong());
            double seconds = json.get("seconds").asDouble();
            assertTrue(seconds > 0, json.toString());
            assertEquals((1 << 20) / seconds * 2 * 2 / 3 / 1e6, json.get("busBandwidthMBps").asDouble(),
                    json.get("busBandwidthMBps").asDouble() * 1e-3 + 0.1);
            assertNull(lines.get(1).get(60, TimeUnit.SECONDS));
            assertNull(lines.get(2).get(60, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> AllReduceBench.parse(new String[] {"--rank", "0"}));
        assertTrue(missing.getMessage().contains("--secret-file are required"), missing.getMessage());
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class, () -> AllReduceBench.parse(
                AllReduceBench.args(4, 4, 1, "h:1", Path.of("s"), 1, 0).toArray(String[]::new)));
        assertTrue(rank.getMessage().contains("--rank must be in 0..--ranks-1"), rank.getMessage());
        IllegalArgumentException peers = assertThrows(IllegalArgumentException.class, () -> AllReduceBench.parse(
                new String[] {"--rank", "0", "--ranks", "3", "--mb", "1", "--peers", "h:1,h:2", "--secret-file", "s"}));
        assertTrue(peers.getMessage().contains("one per rank (3), got 2"), peers.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AllReduceBench.parse(new String[] {"--mb", "x"}));
        assertEquals(2.5, AllReduceBench.median(List.of(4.0, 1.0, 2.0, 3.0)));
    }
}

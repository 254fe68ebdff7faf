package dev.spindle.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.spindle.data.storage.Azurite;
import dev.spindle.data.storage.FaultyProxy;
import dev.spindle.data.storage.StorageSettings;
import dev.spindle.train.BatchSource;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage goes away in the middle of an epoch: a loader in a child JVM reads its dataset from
 * Azurite through a proxy that refuses and resets every connection for a while, and must deliver
 * exactly the batches a fault-free read delivers, in the same order.
 */
class AbfsEpochFaultIT {

    private static final int BATCHES = 120;

    @TempDir
    Path dir;

    @BeforeAll
    static void azurite() {
        Azurite.require();
    }

    @Test
    void anOutageMidEpochCostsRetriesNotBatches() throws Exception {
        Path data = Files.createDirectories(dir.resolve("train"));
        for (int f = 0; f < 4; f++) {
            List<List<int[]>> batches = new ArrayList<>();
            for (int b = 0; b < 30; b++) {
                batches.add(List.of(TestDatasets.range(10_000 * f + 300 * b, 120), TestDatasets.range(5, 90)));
            }
            TestDatasets.tokens(data.resolve("part-" + f + ".arrow"), batches, Map.of());
        }
        String container = Azurite.newContainer("epoch");
        Azurite.upload(data, container + "train");
        String expected;
        try (NDManager manager = NDManager.newBaseManager();
                BatchSource local = DataLoaders.open(DrainProcess.options(data.toString()), null)) {
            expected = DrainProcess.digest(Drain.batches(local, manager, BATCHES));
        }

        try (FaultyProxy proxy = new FaultyProxy(Azurite.HOST, Azurite.PORT)) {
            Map<String, String> env = Azurite.environment(proxy.endpoint());
            // Small requests, no read-ahead beyond one block and no ABFS-level retries: reads keep
            // going to storage through the whole epoch, and every fault reaches Spindle's retries.
            env.put(StorageSettings.REQUEST_RETRIES, "0");
            env.put(StorageSettings.READ_AHEAD_DEPTH, "1");
            env.put(StorageSettings.READ_REQUEST_BYTES, Integer.toString(64 << 10));
            env.put(StorageSettings.READ_AHEAD_BLOCK_BYTES, Integer.toString(64 << 10));
            ProcessBuilder builder = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Dai.djl.offline=true",
                    "-Dai.djl.pytorch.num_threads=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
                    "-cp", System.getProperty("java.class.path"), DrainProcess.class.getName(),
                    container + "train", Integer.toString(BATCHES), "15"))
                    .redirectErrorStream(true);
            builder.environment().putAll(env);
            Process child = builder.start();
            List<String> lines = new ArrayList<>();
            String digest = null;
            boolean cut = false;
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lines.add(line);
                    if (!cut && line.equals("batch 20")) {
                        cut = true;
                        proxy.outage(Duration.ofMillis(1500));
                    }
                    if (line.startsWith("digest ")) {
                        digest = line.substring("digest ".length());
                    }
                }
            }
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the reader did not finish: " + lines);
            assertEquals(0, child.exitValue(), String.join("\n", lines));
            assertTrue(cut, "the outage never started: " + lines);
            assertTrue(proxy.refused() > 0, "no read hit the outage: " + lines);
            assertEquals(expected, digest, "the batches read through the outage: " + lines);
        }
    }
}

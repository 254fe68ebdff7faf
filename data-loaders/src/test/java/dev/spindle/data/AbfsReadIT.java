package dev.spindle.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.spindle.data.storage.Azurite;
import dev.spindle.data.storage.FaultyProxy;
import dev.spindle.data.storage.RetryPolicy;
import dev.spindle.train.BatchSource;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Datasets read from Azurite over ABFS: the same batches as from the local disk, a read that survives the
 * storage connection being reset and refused mid-file (resuming at its byte offset), and permanent errors
 * that fail at once with the URI named.
 */
class AbfsReadIT {

    @TempDir
    Path dir;

    @BeforeEach
    void azurite() {
        Azurite.require();
    }

    private static FileSystem direct(String container) throws IOException {
        return Azurite.fileSystem(container, Azurite.environment(Azurite.HOST + ":" + Azurite.PORT));
    }

    @Test
    void readsTheSameBatchesAsFromTheLocalDisk() throws Exception {
        Path data = Files.createDirectories(dir.resolve("train"));
        for (int f = 0; f < 3; f++) {
            List<List<int[]>> batches = new ArrayList<>();
            for (int b = 0; b < 4; b++) {
                batches.add(List.of(TestDatasets.range(1000 * f + 100 * b, 40), TestDatasets.range(7, 25)));
            }
            TestDatasets.tokens(data.resolve("part-" + f + ".arrow"), batches, Map.of());
        }
        String container = Azurite.newContainer("data");
        Azurite.upload(data, container + "datasets/train");
        LoaderOptions options = LoaderOptions.tokens(container + "datasets/train", "tokens", 16, 3)
                .withShuffleBuffer(32).withPrefetch(2).withLoop(true);
        try (NDManager manager = NDManager.newBaseManager();
                BatchSource remote = DataLoaders.open(options, null);
                BatchSource local = DataLoaders.open(options.withUri(data.toString()), null)) {
            List<int[]> fromAbfs = Drain.batches(remote, manager, 40);
            List<int[]> fromDisk = Drain.batches(local, manager, 40);
            for (int i = 0; i < fromDisk.size(); i++) {
                assertArrayEquals(fromDisk.get(i), fromAbfs.get(i), "batch " + i);
            }
        }
    }

    @Test
    void aReadSurvivesResetAndRefusedConnectionsAndResumesAtItsOffset() throws Exception {
        byte[] blob = new byte[24 << 20];
        new Random(3).nextBytes(blob);
        String container = Azurite.newContainer("faults");
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(URI.create(container + "blob.bin"));
        try (FileSystem fs = direct(container); var out = fs.create(path)) {
            out.write(blob);
        }
        try (FaultyProxy proxy = new FaultyProxy(Azurite.HOST, Azurite.PORT)) {
            Map<String, String> env = Azurite.environment(proxy.endpoint());
            // ABFS's own per-request retries off, so every fault reaches the channel's retry loop.
            env.put(dev.spindle.data.storage.StorageSettings.REQUEST_RETRIES, "0");
            env.put(dev.spindle.data.storage.StorageSettings.READ_AHEAD_DEPTH, "1");
            try (FileSystem fs = Azurite.fileSystem(container, env)) {
                RetryPolicy quick = new RetryPolicy(20, Duration.ofMillis(50), Duration.ofMillis(400));
                HadoopChannel channel = new HadoopChannel(() -> fs.open(path), path.toString(), blob.length, quick);
                ByteBuffer got = ByteBuffer.allocate(blob.length);
                try (channel) {
                    while (got.position() < blob.length / 3) {
                        channel.read(got);
                    }
                    Thread healer = proxy.outage(Duration.ofMillis(1500));
                    while (got.hasRemaining() && channel.read(got) >= 0) {
                        // read on through the outage
                    }
                    healer.join();
                }
                assertArrayEquals(blob, got.array(), "every byte, once, in order");
                assertTrue(proxy.refused() > 0, "the outage was seen: connections refused " + proxy.refused());
            }
        }
    }

    @Test
    void aMissingBlobFailsAtOnceNamingTheUri() throws Exception {
        String container = Azurite.newContainer("missing");
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(URI.create(container + "gone.arrow"));
        try (FileSystem fs = direct(container)) {
            try (var out = fs.create(path)) {
                out.write(new byte[1 << 16]);
            }
            HadoopChannel channel = HadoopChannel.open(fs, path, 1 << 16);
            fs.delete(path, false);
            long start = System.nanoTime();
            IOException e = assertThrows(IOException.class, () -> channel.read(ByteBuffer.allocate(1 << 16)));
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos(), "not retried");
            assertTrue(e.getMessage().startsWith(path.toString()), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
            channel.close();
        }
        DataException missing = assertThrows(DataException.class,
                () -> DataLoaders.open(LoaderOptions.tokens(container + "nothing/here", "tokens", 8, 2), null));
        assertTrue(missing.getMessage().contains(container + "nothing/here"), missing.getMessage());
    }
}

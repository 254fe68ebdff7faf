package dev.spindle.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prefetcher runs ahead by at most {@code prefetch} batches and at most {@code prefetchBytes} bytes. */
class PrefetchBoundsTest {

    /** Batch of 4 sequences of 15 tokens: inputs and labels, 4 x 15 x 4 bytes each. */
    private static final long BATCH_BYTES = 2L * 4 * 15 * Integer.BYTES;

    private static NDManager manager;

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void release() {
        manager.close();
    }

    private LoaderOptions options() throws Exception {
        List<int[]> docs = new ArrayList<>();
        for (int d = 0; d < 50; d++) {
            docs.add(TestDatasets.range(d * 20, 20));
        }
        Path file = TestParquet.tokens(dir.resolve("d.parquet"), 10, docs, Map.of());
        return LoaderOptions.tokens(file.toString(), "tokens", 15, 4).withPrefetch(8);
    }

    @Test
    void theByteBoundLimitsHowFarThePrefetcherRunsAhead() throws Exception {
        LoaderOptions o = options().withPrefetchBytes(3 * BATCH_BYTES + 100);
        try (ArrowBatchSource s = (ArrowBatchSource) DataLoaders.open(o, null)) {
            Drain.batches(s, manager, 1);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (s.produced() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(200);  // time to run further ahead, were it allowed to
            assertEquals(4, s.produced(), "1 handed out + 3 buffered, although prefetch is 8");
            assertEquals(3 * BATCH_BYTES, s.prefetchCapacityBytes());
        }
    }

    @Test
    void withoutAByteLimitTheBatchCountBounds() throws Exception {
        try (ArrowBatchSource s = (ArrowBatchSource) DataLoaders.open(options(), null)) {
            Drain.batches(s, manager, 1);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (s.produced() < 10 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(200);
            assertEquals(10, s.produced(), "1 handed out + prefetch 8 queued + 1 being filled");
            assertTrue(s.prefetchCapacityBytes() <= LoaderOptions.DEFAULT_PREFETCH_BYTES);
        }
    }

    @Test
    void aByteLimitBelowOneBatchIsRefused() throws Exception {
        LoaderOptions o = options().withPrefetchBytes(100);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataLoaders.open(o, null));
        assertEquals("prefetchBytes: 100 is less than one batch (480 bytes for batchSize 4); raise prefetchBytes or"
                + " lower batchSize", e.getMessage());
        assertEquals(0, ArrowMemory.allocatedBytes(), "the refused loader freed its Arrow memory");
    }
}

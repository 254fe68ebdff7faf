package dev.spindle.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.spindle.train.BatchSource;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArrowBatchSourceTest {

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

    private static long prefetchThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("spindle-prefetch")).count();
    }

    @Test
    void readErrorOnThePrefetchThreadSurfacesOnNextWithItsCause() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        TestDatasets.tabular(data.resolve("a.arrow"), 0, 30);
        Path b = TestDatasets.tabular(data.resolve("b.arrow"), 30, 30);
        LoaderOptions o = LoaderOptions.tabular(data.toString(), List.of("a"), "y", 1).withShuffleBuffer(0)
                .withPrefetch(1).withLoop(false);
        BatchSource s = DataLoaders.open(o, null);
        // The prefetcher is at most 2 batches ahead, far from b.arrow; cut b's record batch short.
        try (FileChannel c = FileChannel.open(b, StandardOpenOption.WRITE)) {
            c.truncate(200);
        }
        DataException e = assertThrows(DataException.class, () -> Drain.labels(s, manager, 40));
        assertTrue(e.getMessage().contains("failed on the prefetch thread"), e.getMessage());
        assertTrue(e.getMessage().contains("b.arrow"), e.getMessage());
        assertTrue(e.getCause() instanceof DataException && e.getCause().getCause() instanceof IOException,
                String.valueOf(e.getCause()));
        assertThrows(DataException.class, () -> Drain.labels(s, manager, 1), "the failure stays");
        s.close();
        s.close();
        assertEquals(0, ArrowMemory.allocatedBytes());
    }

    @Test
    void closeStopsThePrefetchThreadAndFreesArrowMemory() throws Exception {
        Path f = TestDatasets.tabular(dir.resolve("t.arrow"), 0, 50, 50);
        long before = prefetchThreads();
        BatchSource s = DataLoaders.open(LoaderOptions.tabular(f.toString(), List.of(), "y", 4).withPrefetch(4),
                null);
        assertEquals(before + 1, prefetchThreads());
        Drain.labels(s, manager, 3);
        s.close();
        assertEquals(before, prefetchThreads());
        assertEquals(0, ArrowMemory.allocatedBytes());
        assertThrows(IllegalStateException.class, () -> Drain.labels(s, manager, 1));
    }

    @Test
    void onePassLoaderReportsTheEndThroughHasNext() throws Exception {
        Path f = TestDatasets.tabular(dir.resolve("t.arrow"), 0, 9);
        for (int prefetch : new int[] {0, 2}) {
            try (ArrowBatchSource s = (ArrowBatchSource) DataLoaders.open(LoaderOptions.tabular(f.toString(),
                    List.of(), "y", 3).withPrefetch(prefetch).withLoop(false), null)) {
                int n = 0;
                while (s.hasNext()) {
                    Drain.labels(s, manager, 1);
                    n++;
                }
                assertEquals(3, n, "prefetch " + prefetch);
                assertFalse(s.hasNext());
                assertEquals(3, s.batches());
            }
        }
    }
}

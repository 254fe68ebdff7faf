package dev.spindle.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spindle.train.BatchSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoaderCursorTest {

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

    /** 2 files, 5 units, 33 rows: an epoch is 6 batches of 5 (3 rows dropped into the next epoch's start). */
    private LoaderOptions tabular() throws Exception {
        Path data = Files.createDirectory(dir.resolve("tab"));
        TestDatasets.tabular(data.resolve("a.arrow"), 0, 9, 4, 7);
        TestDatasets.tabular(data.resolve("b.arrows"), 20, 6, 7);
        return LoaderOptions.tabular(data.toString(), List.of(), "y", 5).withShuffleBuffer(7).withPrefetch(3)
                .withSeed(5);
    }

    /** 3 units of documents of varied lengths; sequences of 6 tokens span documents and units. */
    private LoaderOptions tokens() throws Exception {
        Path data = Files.createDirectory(dir.resolve("tok"));
        List<List<int[]>> batches = new ArrayList<>();
        int next = 0;
        for (int u = 0; u < 3; u++) {
            List<int[]> docs = new ArrayList<>();
            for (int d = 0; d < 4; d++) {
                int len = 3 + (u * 4 + d) % 7;
                docs.add(TestDatasets.range(next, len));
                next += len;
            }
            batches.add(docs);
        }
        TestDatasets.tokens(data.resolve("t.arrows"), batches, Map.of());
        return LoaderOptions.tokens(data.toString(), "tokens", 5, 2).withShuffleBuffer(3).withPrefetch(2)
                .withSeed(9);
    }

    private void assertResumesExactly(LoaderOptions o, int total, int... cuts) {
        List<int[]> straight;
        try (BatchSource s = DataLoaders.open(o, null)) {
            straight = Drain.batches(s, manager, total);
        }
        for (int cut : cuts) {
            List<int[]> resumed;
            String cursor;
            try (BatchSource s = DataLoaders.open(o, null)) {
                resumed = new ArrayList<>(Drain.batches(s, manager, cut));
                cursor = s.cursor();
            }
            try (BatchSource s = DataLoaders.open(o, cursor)) {
                resumed.addAll(Drain.batches(s, manager, total - cut));
            }
            for (int i = 0; i < total; i++) {
                assertArrayEquals(straight.get(i), resumed.get(i), "batch " + i + " after a resume at " + cut);
            }
        }
        assertEquals(0, ArrowMemory.allocatedBytes());
    }

    @Test
    void tabularResumeWithShuffleAndPrefetchIsExactAtEveryCutIncludingEpochBoundaries() throws Exception {
        // 33 rows per epoch, 5 per batch: epochs end inside batches 6, 13 and 19
        assertResumesExactly(tabular(), 20, 1, 2, 6, 7, 13, 14);
    }

    @Test
    void tokenResumeWithShuffleAndPrefetchIsExactAtEveryCutIncludingEpochBoundaries() throws Exception {
        // 12 documents, 72 tokens -> 12 sequences of 6 per epoch -> 6 batches of 2
        assertResumesExactly(tokens(), 15, 1, 3, 5, 6, 7, 11);
    }

    @Test
    void cursorOfAFreshLoaderResumesAtTheStartAndChainsAcrossResumes() throws Exception {
        LoaderOptions o = tabular();
        List<int[]> straight;
        String fresh;
        try (BatchSource s = DataLoaders.open(o, null)) {
            fresh = s.cursor();
            straight = Drain.batches(s, manager, 9);
        }
        List<int[]> chained = new ArrayList<>();
        String cursor = fresh;
        for (int i = 0; i < 3; i++) {
            try (BatchSource s = DataLoaders.open(o, cursor)) {
                chained.addAll(Drain.batches(s, manager, 3));
                cursor = s.cursor();
            }
        }
        for (int i = 0; i < straight.size(); i++) {
            assertArrayEquals(straight.get(i), chained.get(i), "batch " + i);
        }
        assertTrue(cursor.contains("\"batches\":9"), cursor);
    }

    @Test
    void resumingWithAnotherBatchSizeContinuesTheSameSampleSequence() throws Exception {
        LoaderOptions o = tabular();
        List<Integer> straight;
        try (BatchSource s = DataLoaders.open(o, null)) {
            straight = Drain.labels(s, manager, 10);
        }
        List<Integer> resumed;
        try (BatchSource s = DataLoaders.open(o, null)) {
            resumed = new ArrayList<>(Drain.labels(s, manager, 3));
            LoaderOptions seven = new LoaderOptions(o.uri(), o.kind(), null, 0, o.features(), "y", 7,
                    o.shuffleBuffer(), 0, o.seed(), 0, 1, true, null, LoaderOptions.DEFAULT_PREFETCH_BYTES);
            try (BatchSource t = DataLoaders.open(seven, s.cursor())) {
                resumed.addAll(Drain.labels(t, manager, 5));
            }
        }
        assertEquals(straight, resumed);
    }

    @Test
    void cursorIsRefusedByOtherOptionsOtherVersionsAndOtherWorldSizes() throws Exception {
        LoaderOptions o = tabular();
        String cursor;
        try (BatchSource s = DataLoaders.open(o, null)) {
            Drain.batches(s, manager, 2);
            cursor = s.cursor();
        }
        DataException seed = assertThrows(DataException.class, () -> DataLoaders.open(o.withSeed(6), cursor));
        assertTrue(seed.getMessage().contains("\"seed\" is 5 but the loader has 6"), seed.getMessage());
        DataException world = assertThrows(DataException.class, () -> DataLoaders.open(o.withShard(0, 2), cursor));
        assertTrue(world.getMessage().contains("worldSize 1") && world.getMessage().contains("re-sharding"),
                world.getMessage());
        DataException columns = assertThrows(DataException.class, () -> DataLoaders.open(
                new LoaderOptions(o.uri(), o.kind(), null, 0, List.of("a"), "y", 5, 7, 3, 5, 0, 1, true, null,
                        LoaderOptions.DEFAULT_PREFETCH_BYTES), cursor));
        assertTrue(columns.getMessage().contains("columns"), columns.getMessage());

        ObjectMapper json = new ObjectMapper();
        ObjectNode v2 = (ObjectNode) json.readTree(cursor);
        v2.put("version", 2);
        DataException version = assertThrows(DataException.class, () -> DataLoaders.open(o, v2.toString()));
        assertTrue(version.getMessage().contains("cursor version 2 is not supported"), version.getMessage());

        ObjectNode other = (ObjectNode) json.readTree(cursor);
        other.put("dataset", "0000");
        DataException dataset = assertThrows(DataException.class, () -> DataLoaders.open(o, other.toString()));
        assertTrue(dataset.getMessage().contains("another dataset"), dataset.getMessage());

        DataException garbage = assertThrows(DataException.class, () -> DataLoaders.open(o, "{not json"));
        assertTrue(garbage.getMessage().contains("not JSON"), garbage.getMessage());
        assertEquals(0, ArrowMemory.allocatedBytes(), "refused opens free their memory");
    }
}

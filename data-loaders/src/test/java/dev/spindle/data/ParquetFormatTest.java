package dev.spindle.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.spindle.train.BatchSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parquet files written by parquet-hadoop's writer read like the same data in Arrow, row group by row group. */
class ParquetFormatTest {

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

    /** Documents of varying length (0..12 tokens; one empty) with distinct ids. */
    private static List<int[]> documents(int n) {
        List<int[]> docs = new ArrayList<>();
        int next = 0;
        for (int d = 0; d < n; d++) {
            int len = (d * 5) % 13;
            docs.add(TestDatasets.range(next, len));
            next += len;
        }
        return docs;
    }

    private static List<List<int[]>> groups(List<int[]> docs, int size) {
        List<List<int[]>> out = new ArrayList<>();
        for (int i = 0; i < docs.size(); i += size) {
            out.add(docs.subList(i, Math.min(docs.size(), i + size)));
        }
        return out;
    }

    @Test
    void tokensReadLikeTheSameDocumentsInArrow() throws Exception {
        List<int[]> docs = documents(40);
        Path parquet = TestParquet.tokens(dir.resolve("d.parquet"), 6, docs, Map.of("spindle.vocab_size", "1000"));
        Path arrow = TestDatasets.tokens(dir.resolve("d.arrow"), groups(docs, 6), Map.of("spindle.vocab_size", "1000"));

        DatasetInfo info = DataLoaders.inspect(parquet.toString(), DatasetKind.TOKENS, "tokens", List.of(), null);
        assertEquals(40, info.rows());
        assertEquals(7, info.units(), "40 documents at 6 per row group");
        assertEquals(1000, info.vocabSize(), "key/value metadata is read like Arrow schema metadata");
        assertEquals(List.of("parquet"), info.formats());
        assertEquals(List.of("tokens: list<Int(32, true)>"), info.columns());

        for (int prefetch : new int[] {0, 3}) {
            LoaderOptions o = LoaderOptions.tokens(parquet.toString(), "tokens", 7, 3).withShuffleBuffer(0)
                    .withPrefetch(prefetch).withLoop(false);
            List<int[]> fromParquet;
            List<int[]> fromArrow;
            try (BatchSource p = DataLoaders.open(o, null); BatchSource a = DataLoaders.open(o.withUri(arrow.toString()),
                    null)) {
                fromParquet = drain(p);
                fromArrow = drain(a);
            }
            assertEquals(fromArrow.size(), fromParquet.size());
            assertTrue(fromParquet.size() >= 3, "enough data for several batches");
            for (int i = 0; i < fromArrow.size(); i++) {
                assertArrayEquals(fromArrow.get(i), fromParquet.get(i), "batch " + i);
            }
        }
    }

    @Test
    void tabularReadsLikeTheSameRowsInArrow() throws Exception {
        Path parquet = TestParquet.tabular(dir.resolve("t.parquet"), 0, 23, 5);
        Path arrow = TestDatasets.tabular(dir.resolve("t.arrow"), 0, 5, 5, 5, 5, 3);
        LoaderOptions o = LoaderOptions.tabular(parquet.toString(), List.of("c", "a", "b"), "y", 4).withShuffleBuffer(0)
                .withLoop(false);
        try (BatchSource p = DataLoaders.open(o, null); BatchSource a = DataLoaders.open(o.withUri(arrow.toString()),
                null)) {
            List<int[]> fromParquet = drain(p);
            List<int[]> fromArrow = drain(a);
            assertEquals(5, fromParquet.size(), "23 rows make 5 full batches of 4");
            for (int i = 0; i < fromArrow.size(); i++) {
                assertArrayEquals(fromArrow.get(i), fromParquet.get(i), "batch " + i);
            }
        }
        DatasetInfo info = DataLoaders.inspect(parquet.toString(), DatasetKind.TABULAR, null, List.of(), "y");
        assertEquals(List.of("a: FloatingPoint(SINGLE)", "y: Int(64, true)", "b: FloatingPoint(DOUBLE)",
                "c: FloatingPoint(SINGLE)"), info.columns());
        assertEquals(3, info.featureCount(), "every float column but the label");
        assertEquals(23, info.rows());
    }

    @Test
    void rowGroupsShardDisjointAndComplete() throws Exception {
        Path data = Files.createDirectory(dir.resolve("rows"));
        TestParquet.tabular(data.resolve("a.parquet"), 0, 17, 4);   // row groups 4,4,4,4,1
        TestParquet.tabular(data.resolve("b.parquet"), 17, 13, 5);  // row groups 5,5,3
        int world = 3;
        Set<Integer> seen = new HashSet<>();
        int total = 0;
        for (int rank = 0; rank < world; rank++) {
            LoaderOptions o = LoaderOptions.tabular(data.toString(), List.of("a"), "y", 1).withShard(rank, world)
                    .withShuffleBuffer(5).withLoop(false);
            try (BatchSource s = DataLoaders.open(o, null)) {
                List<Integer> labels = Drain.labelsUntilEnd(s, manager);
                total += labels.size();
                for (int v : labels) {
                    assertTrue(seen.add(v), "row " + v + " read by two ranks");
                }
            }
        }
        assertEquals(30, total);
        assertEquals(IntStream.range(0, 30).boxed().collect(Collectors.toCollection(TreeSet::new)), new TreeSet<>(seen));
    }

    @Test
    void resumesExactlyFromACursorLikeArrow() throws Exception {
        Path data = Files.createDirectory(dir.resolve("resume"));
        TestParquet.tokens(data.resolve("a.parquet"), 5, documents(60), Map.of());
        LoaderOptions o = LoaderOptions.tokens(data.toString(), "tokens", 5, 2).withShuffleBuffer(7).withPrefetch(2);
        List<int[]> straight;
        try (BatchSource s = DataLoaders.open(o, null)) {
            straight = Drain.batches(s, manager, 40);   // several epochs
        }
        List<int[]> resumed;
        try (BatchSource s = DataLoaders.open(o, null)) {
            resumed = new ArrayList<>(Drain.batches(s, manager, 17));
            try (BatchSource t = DataLoaders.open(o.withPrefetch(0), s.cursor())) {
                resumed.addAll(Drain.batches(t, manager, 23));
            }
        }
        for (int i = 0; i < straight.size(); i++) {
            assertArrayEquals(straight.get(i), resumed.get(i), "batch " + i);
        }
    }

    @Test
    void badParquetFilesAreNamed() throws Exception {
        Path notParquet = Files.writeString(dir.resolve("x.parquet"), "not parquet at all");
        DataException e = assertThrows(DataException.class, () -> DataLoaders.inspect(notParquet.toString(),
                DatasetKind.TOKENS, "tokens", List.of(), null));
        assertTrue(e.getMessage().contains("x.parquet") && e.getMessage().contains("not a readable Parquet file"),
                e.getMessage());
        Path table = TestParquet.tabular(dir.resolve("t.parquet"), 0, 3, 3);
        DataException type = assertThrows(DataException.class, () -> DataLoaders.inspect(table.toString(),
                DatasetKind.TABULAR, null, List.of("y"), "a"));
        assertTrue(type.getMessage().contains("feature column \"y\" has type Int(64, true)"), type.getMessage());
    }

    private static List<int[]> drain(BatchSource s) {
        List<int[]> out = new ArrayList<>();
        while (((ArrowBatchSource) s).hasNext()) {
            out.addAll(Drain.batches(s, manager, 1));
        }
        return out;
    }
}

package dev.spindle.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.spindle.train.Batch;
import dev.spindle.train.BatchSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DataLoadersTest {

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

    static LoaderOptions tokenOptions(String uri, int t, int b) {
        return LoaderOptions.tokens(uri, "tokens", t, b).withShuffleBuffer(0).withPrefetch(0).withLoop(false);
    }

    /**
     * Documents [1,2,3] [4,5] | [6,7,8,9] [10] in two record batches, T = 3: sequences of 4 tokens are
     * [1,2,3,4] (across a document boundary) and [5,6,7,8] (across a record batch); [9,10] is dropped.
     */
    @ParameterizedTest
    @ValueSource(strings = {"d.arrow", "d.arrows"})
    void packsDocumentsIntoSequencesAcrossDocumentsAndRecordBatches(String name) throws Exception {
        Path file = TestDatasets.tokens(dir.resolve(name), List.of(
                List.of(new int[] {1, 2, 3}, new int[] {4, 5}),
                List.of(new int[] {6, 7, 8, 9}, new int[] {10})), Map.of());
        try (BatchSource s = DataLoaders.open(tokenOptions(file.toString(), 3, 1), null);
                NDManager step = manager.newSubManager()) {
            Batch first = s.next(step);
            assertEquals(new Shape(1, 3), first.inputs().getShape());
            assertEquals(DataType.INT32, first.inputs().getDataType());
            assertArrayEquals(new int[] {1, 2, 3}, first.inputs().toIntArray());
            assertArrayEquals(new int[] {2, 3, 4}, first.labels().toIntArray());
            assertEquals(3, first.tokens());
            assertEquals(1, first.samples());
            Batch second = s.next(step);
            assertArrayEquals(new int[] {5, 6, 7}, second.inputs().toIntArray());
            assertArrayEquals(new int[] {6, 7, 8}, second.labels().toIntArray());
            assertFalse(((ArrowBatchSource) s).hasNext());
            assertThrows(NoSuchElementException.class, () -> s.next(step));
        }
        assertEquals(0, ArrowMemory.allocatedBytes());
    }

    @Test
    void loopingLoaderStartsTheNextEpochFromTheFirstSequence() throws Exception {
        Path file = TestDatasets.tokens(dir.resolve("d.arrow"), List.of(
                List.of(new int[] {1, 2, 3}, new int[] {4, 5}),
                List.of(new int[] {6, 7, 8, 9}, new int[] {10})), Map.of());
        try (BatchSource s = DataLoaders.open(tokenOptions(file.toString(), 3, 3).withLoop(true), null);
                NDManager step = manager.newSubManager()) {
            Batch b = s.next(step);
            assertEquals(new Shape(3, 3), b.inputs().getShape());
            assertArrayEquals(new int[] {1, 2, 3, 5, 6, 7, 1, 2, 3}, b.inputs().toIntArray());
            assertArrayEquals(new int[] {2, 3, 4, 6, 7, 8, 2, 3, 4}, b.labels().toIntArray());
            assertEquals(9, b.tokens());
        }
    }

    @Test
    void tabularBatchesTakeListedFeaturesInOrder() throws Exception {
        Path file = TestDatasets.tabular(dir.resolve("t.feather"), 0, 3, 2);
        LoaderOptions o = LoaderOptions.tabular(file.toString(), List.of("c", "a"), "y", 4).withShuffleBuffer(0)
                .withPrefetch(0).withLoop(false);
        try (BatchSource s = DataLoaders.open(o, null); NDManager step = manager.newSubManager()) {
            Batch b = s.next(step);
            assertEquals(new Shape(4, 2), b.inputs().getShape());
            assertEquals(DataType.FLOAT32, b.inputs().getDataType());
            assertEquals(new Shape(4), b.labels().getShape());
            assertEquals(DataType.INT32, b.labels().getDataType());
            assertArrayEquals(new float[] {-0, 0, -1, 1, -2, 2, -3, 3}, b.inputs().toFloatArray());
            assertArrayEquals(new int[] {0, 1, 2, 3}, b.labels().toIntArray());
            assertEquals(0, b.tokens());
            // 5 rows, batches of 4: the last partial batch of a one-pass loader is dropped.
            assertThrows(NoSuchElementException.class, () -> s.next(step));
        }
    }

    @Test
    void tabularWithoutListedFeaturesTakesEveryFloatingColumnButTheLabel() throws Exception {
        Path file = TestDatasets.tabular(dir.resolve("t.arrows"), 10, 2);
        LoaderOptions o = LoaderOptions.tabular(file.toString(), List.of(), "y", 2).withShuffleBuffer(0)
                .withPrefetch(1).withLoop(false);
        try (BatchSource s = DataLoaders.open(o, null); NDManager step = manager.newSubManager()) {
            Batch b = s.next(step);
            // columns a (float32), b (float64 -> float32), c; y is the label
            assertArrayEquals(new float[] {10, 5, -10, 11, 5.5f, -11}, b.inputs().toFloatArray());
            assertArrayEquals(new int[] {10, 11}, b.labels().toIntArray());
        }
    }

    @Test
    void batchesStayIntactWhileLaterBatchesReuseTheBuffers() throws Exception {
        Path file = TestDatasets.tabular(dir.resolve("t.arrow"), 0, 40);
        LoaderOptions o = LoaderOptions.tabular(file.toString(), List.of("a"), "y", 2).withShuffleBuffer(0)
                .withPrefetch(2);
        try (BatchSource s = DataLoaders.open(o, null); NDManager step = manager.newSubManager()) {
            Batch first = s.next(step);
            for (int i = 0; i < 10; i++) {
                s.next(step);
            }
            assertArrayEquals(new float[] {0, 1}, first.inputs().toFloatArray());
            assertArrayEquals(new int[] {0, 1}, first.labels().toIntArray());
        }
    }

    @Test
    void readsEveryDataFileOfADirectoryAndAGlobInPathOrder() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        TestDatasets.tabular(data.resolve("b.arrows"), 2, 2);
        TestDatasets.tabular(data.resolve("a.arrow"), 0, 2);
        Files.writeString(data.resolve("README.txt"), "not data");
        Files.writeString(data.resolve("_SUCCESS"), "");
        for (String uri : List.of(data.toString(), data.toUri().toString(), data + "/*.arrow*")) {
            DatasetInfo info = DataLoaders.inspect(uri, DatasetKind.TABULAR, null, List.of("a"), "y");
            assertEquals(2, info.files().size(), uri);
            assertTrue(info.files().get(0).endsWith("/a.arrow"), info.files().toString());
            assertTrue(info.files().get(1).endsWith("/b.arrows"), info.files().toString());
            LoaderOptions o = LoaderOptions.tabular(uri, List.of("a"), "y", 4).withShuffleBuffer(0).withLoop(false);
            try (BatchSource s = DataLoaders.open(o, null); NDManager step = manager.newSubManager()) {
                assertArrayEquals(new int[] {0, 1, 2, 3}, s.next(step).labels().toIntArray(), uri);
            }
        }
    }

    @Test
    void inspectReportsFilesBytesVocabularyAndRows() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        Path a = TestDatasets.tokens(data.resolve("a.arrow"), List.of(List.of(new int[] {1, 2}), List.of(
                new int[] {3}, new int[] {4})), Map.of(Dataset.VOCAB_SIZE_KEY, "300"));
        Path b = TestDatasets.tokens(data.resolve("b.arrows"), List.of(List.of(new int[] {5, 6, 7})),
                Map.of(Dataset.VOCAB_SIZE_KEY, "300"));
        DatasetInfo info = DataLoaders.inspect(data.toString(), DatasetKind.TOKENS, "tokens", List.of(), null);
        assertEquals(List.of(a.toUri().toString().replace("file:///", "file:/"),
                b.toUri().toString().replace("file:///", "file:/")), info.files());
        assertEquals(Files.size(a) + Files.size(b), info.bytes());
        assertEquals(300, info.vocabSize());
        assertEquals(4, info.rows());
        assertEquals(0, info.featureCount());

        Path t = TestDatasets.tabular(dir.resolve("t.arrow"), 0, 3, 4);
        DatasetInfo tab = DataLoaders.inspect(t.toString(), DatasetKind.TABULAR, null, List.of(), "y");
        assertEquals(3, tab.featureCount());
        assertEquals(7, tab.rows());
        assertEquals(DatasetInfo.UNKNOWN, tab.vocabSize());
        assertEquals(0, ArrowMemory.allocatedBytes());
    }

    @Test
    void waitTimeIsMeasured() throws Exception {
        Path file = TestDatasets.tabular(dir.resolve("t.arrow"), 0, 8);
        LoaderOptions o = LoaderOptions.tabular(file.toString(), List.of("a"), "y", 2).withPrefetch(0);
        try (BatchSource s = DataLoaders.open(o, null); NDManager step = manager.newSubManager()) {
            assertEquals(0, DataLoaders.waitNanos(s));
            s.next(step);
            assertTrue(DataLoaders.waitNanos(s) > 0);
        }
    }
}

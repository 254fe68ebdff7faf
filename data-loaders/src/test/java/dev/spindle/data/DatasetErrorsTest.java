package dev.spindle.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad datasets fail at open, with one message that names the file and the column. */
class DatasetErrorsTest {

    @TempDir
    Path dir;

    @AfterEach
    void noArrowMemoryLeft() {
        assertEquals(0, ArrowMemory.allocatedBytes(), "a failed open frees its Arrow memory");
    }

    private static DataException openFails(LoaderOptions o) {
        return assertThrows(DataException.class, () -> DataLoaders.open(o, null).close());
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "\"" + p + "\" missing from: " + e.getMessage());
        }
    }

    private Path oneDocument(String name) throws IOException {
        return TestDatasets.tokens(dir.resolve(name), List.of(List.of(TestDatasets.range(0, 50))), Map.of());
    }

    @Test
    void missingTokenColumnNamesFileAndColumn() throws Exception {
        Path f = oneDocument("d.arrow");
        DataException e = openFails(LoaderOptions.tokens(f.toString(), "ids", 4, 1));
        assertMentions(e, "d.arrow", "missing column \"ids\"", "tokens: list<Int(32, true)>");
    }

    @Test
    void missingFeatureOrLabelColumnNamesFileAndColumn() throws Exception {
        Path f = TestDatasets.tabular(dir.resolve("t.arrow"), 0, 4);
        assertMentions(openFails(LoaderOptions.tabular(f.toString(), List.of("a", "zz"), "y", 1)), "t.arrow", "\"zz\"");
        assertMentions(openFails(LoaderOptions.tabular(f.toString(), List.of(), "label", 1)), "t.arrow", "\"label\"");
    }

    @Test
    void tokenColumnOfWrongTypeNamesFileColumnAndExpectedType() throws Exception {
        Path f = TestDatasets.write(dir.resolve("w.arrows"),
                new Schema(List.of(TestDatasets.tokensField("tokens", new ArrowType.Int(64, true)))),
                List.of(root -> root.setRowCount(0)));
        assertMentions(openFails(LoaderOptions.tokens(f.toString(), "tokens", 4, 1)),
                "w.arrows", "column \"tokens\"", "list<Int(64, true)>", "expected list<int32>");
    }

    @Test
    void tabularColumnsOfWrongTypeNameFileAndColumn() throws Exception {
        Path f = TestDatasets.tabular(dir.resolve("t.arrow"), 0, 4);
        // y is int64: not a feature; a (float32) is not a label
        assertMentions(openFails(LoaderOptions.tabular(f.toString(), List.of("y"), "a", 1)),
                "t.arrow", "feature column \"y\"", "expected float32 or float64");
        assertMentions(openFails(LoaderOptions.tabular(f.toString(), List.of("b"), "a", 1)),
                "t.arrow", "label column \"a\"", "expected an integer type");
        Path g = TestDatasets.write(dir.resolve("g.arrow"), new Schema(List.of(
                new Field("y", FieldType.nullable(new ArrowType.Int(32, true)), null),
                new Field("s", FieldType.nullable(ArrowType.Utf8.INSTANCE), null))), List.of(r -> r.setRowCount(0)));
        assertMentions(openFails(LoaderOptions.tabular(g.toString(), List.of(), "y", 1)),
                "g.arrow", "no float32 or float64 columns");
    }

    @Test
    void secondFileWithAnotherSchemaIsNamed() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        TestDatasets.tabular(data.resolve("a.arrow"), 0, 4);
        TestDatasets.write(data.resolve("b.arrow"), new Schema(List.of(
                new Field("a", FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.HALF)), null),
                new Field("y", FieldType.nullable(new ArrowType.Int(32, true)), null))), List.of(r -> r.setRowCount(0)));
        assertMentions(openFails(LoaderOptions.tabular(data.toString(), List.of("a"), "y", 1)),
                "b.arrow", "feature column \"a\"", "HALF");
    }

    @ParameterizedTest
    @ValueSource(strings = {"d.arrow", "d.arrows"})
    void truncatedFileIsNamed(String name) throws Exception {
        Path f = oneDocument(name);
        long size = Files.size(f);
        try (FileChannel c = FileChannel.open(f, StandardOpenOption.WRITE)) {
            c.truncate(size - 40);
        }
        assertMentions(openFails(LoaderOptions.tokens(f.toString(), "tokens", 4, 1)), name, "truncated");
    }

    @ParameterizedTest
    @ValueSource(strings = {"notes.arrow", "notes.arrows"})
    void fileThatIsNotArrowIsNamed(String name) throws Exception {
        Path f = Files.writeString(dir.resolve(name), "this is plain text, not an Arrow IPC file\n".repeat(20));
        assertMentions(openFails(LoaderOptions.tokens(f.toString(), "tokens", 4, 1)), name, "not Arrow");
    }

    @Test
    void tokenIdOutsideTheStatedVocabularyIsNamed() throws Exception {
        Path f = TestDatasets.tokens(dir.resolve("v.arrow"), List.of(List.of(new int[] {1, 2, 3, 99, 4, 5})),
                Map.of(Dataset.VOCAB_SIZE_KEY, "50"));
        assertMentions(openFails(LoaderOptions.tokens(f.toString(), "tokens", 2, 1).withPrefetch(0)),
                "v.arrow", "\"tokens\"", "token id 99", "0..49");
    }

    @Test
    void noFilesAtTheUriSaysSo() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Files.writeString(empty.resolve("readme.md"), "no data here");
        assertMentions(openFails(LoaderOptions.tokens(empty.toString(), "tokens", 4, 1)), "no files at", "empty");
        assertMentions(openFails(LoaderOptions.tokens(dir.resolve("absent").toString(), "tokens", 4, 1)),
                "no files at", "absent", "does not exist");
        assertMentions(openFails(LoaderOptions.tokens(dir + "/*.arrow", "tokens", 4, 1)), "no files at");
        Path text = Files.writeString(dir.resolve("data.csv"), "a,b\n");
        assertMentions(openFails(LoaderOptions.tokens(text.toString(), "tokens", 4, 1)), "data.csv",
                "not a data file name");
    }

    @Test
    void moreRanksThanRecordBatchesIsRefused() throws Exception {
        Path f = oneDocument("d.arrow");
        assertMentions(openFails(LoaderOptions.tokens(f.toString(), "tokens", 4, 1).withShard(1, 2)),
                "1 record batches", "rank 1 of worldSize 2 gets none");
    }

    @Test
    void shardWithoutAFullSequenceIsRefused() throws Exception {
        Path f = oneDocument("d.arrow");
        assertMentions(openFails(LoaderOptions.tokens(f.toString(), "tokens", 60, 1)),
                "no complete sample", "sequenceLength+1 = 61");
    }

    @Test
    void optionsNameTheBadField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoaderOptions.tokens("x", "tokens", 0, 1));
        assertMentions(e, "sequenceLength", "got 0");
        assertMentions(assertThrows(IllegalArgumentException.class,
                () -> LoaderOptions.tokens("x", "tokens", 4, 1).withShard(3, 3)), "rank", "0..2", "got 3");
        assertMentions(assertThrows(IllegalArgumentException.class,
                () -> LoaderOptions.tabular("x", List.of("y"), "y", 1)), "features[0]", "labelColumn");
        assertMentions(assertThrows(IllegalArgumentException.class,
                () -> LoaderOptions.tokens("x", "tokens", 4, 1).withPrefetch(-1)), "prefetch", "got -1");
    }
}

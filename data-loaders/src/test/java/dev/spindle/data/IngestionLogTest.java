package dev.spindle.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.spindle.train.BatchSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ingestion.jsonl: one entry per file per epoch per rank, flushed at once, never duplicated by a resume. */
class IngestionLogTest {

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

    @Test
    void logsEveryFileOfEveryEpochWithItsIdentityAndTheRanksRows() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        Path a = TestDatasets.tabular(data.resolve("a.arrow"), 0, 4, 4, 4);  // units 0,1,2
        Path b = TestParquet.tabular(data.resolve("b.parquet"), 12, 6, 3);   // units 3,4
        Path logFile = dir.resolve("run/ingestion.jsonl");
        LoaderOptions o = LoaderOptions.tabular(data.toString(), List.of("a"), "y", 2).withShard(0, 2)
                .withShuffleBuffer(0).withPrefetch(0);
        try (IngestionLog log = IngestionLog.open(logFile); BatchSource s = DataLoaders.open(o, null, log)) {
            // Rank 0 of 2 owns units 0, 2 (a.arrow, 8 rows) and 4 (b.parquet, 3 rows): 11 rows an epoch.
            Drain.batches(s, manager, 1);
            List<IngestionLog.Entry> first = IngestionLog.read(logFile);
            assertEquals(1, first.size(), "written and flushed as soon as the file is first read");
            Drain.batches(s, manager, 10);  // 22 rows: into the third epoch
        }
        List<IngestionLog.Entry> entries = IngestionLog.read(logFile);
        assertEquals(List.of("0 " + uri(a), "0 " + uri(b), "1 " + uri(a), "1 " + uri(b)),
                entries.stream().limit(4).map(e -> e.epoch() + " " + e.uri()).collect(Collectors.toList()));
        IngestionLog.Entry arrow = entries.get(0);
        assertEquals(new IngestionLog.Entry(0, 0, uri(a), "arrow", Files.size(a), null,
                Files.getLastModifiedTime(a).toMillis(), 8), arrow);
        IngestionLog.Entry parquet = entries.get(1);
        assertEquals("parquet", parquet.format());
        assertEquals(3, parquet.rows(), "only the row group of this rank");
        assertEquals(Files.size(b), parquet.bytes());
        assertNull(parquet.etag(), "the local file system has no ETags");
        assertTrue(Files.readString(logFile).startsWith("{\"version\":1,\"rank\":0,\"epoch\":0,\"uri\":\"file:"),
                Files.readString(logFile));
    }

    @Test
    void aResumedLoaderAppendsWithoutDuplicatingEntries() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        TestParquet.tabular(data.resolve("a.parquet"), 0, 10, 5);
        TestParquet.tabular(data.resolve("b.parquet"), 10, 10, 5);
        Path logFile = dir.resolve("ingestion.jsonl");
        LoaderOptions o = LoaderOptions.tabular(data.toString(), List.of("a"), "y", 4).withShuffleBuffer(3);
        String cursor;
        try (IngestionLog log = IngestionLog.open(logFile); BatchSource s = DataLoaders.open(o, null, log)) {
            Drain.batches(s, manager, 3);  // 12 of 20 rows: both files of epoch 0, maybe more ahead
            cursor = s.cursor();
        }
        int before = IngestionLog.read(logFile).size();
        try (IngestionLog log = IngestionLog.open(logFile); BatchSource s = DataLoaders.open(o, cursor, log)) {
            Drain.batches(s, manager, 7);  // to 40 rows: the end of epoch 1
        }
        List<IngestionLog.Entry> entries = IngestionLog.read(logFile);
        assertTrue(before >= 2, "epoch 0 read both files before the cursor: " + before);
        Map<String, Long> perKey = entries.stream().collect(Collectors.groupingBy(
                e -> e.rank() + " " + e.epoch() + " " + e.uri(), Collectors.counting()));
        assertEquals(entries.size(), perKey.size(), "no (rank, epoch, uri) twice: " + entries);
        assertTrue(perKey.keySet().stream().filter(k -> k.startsWith("0 1 ")).count() == 2,
                "epoch 1 logged both files: " + perKey.keySet());
    }

    @Test
    void aLineThatIsNotAnEntryIsRefusedNamingTheFileAndLine() throws Exception {
        Path logFile = Files.writeString(dir.resolve("ingestion.jsonl"), "{\"version\":1,\"rank\":0,\"epoch\":0,"
                + "\"uri\":\"file:/x.arrow\",\"format\":\"arrow\",\"bytes\":1,\"etag\":null,\"modificationTime\":0,"
                + "\"rows\":1}\nnot json\n");
        DataException e = assertThrows(DataException.class, () -> IngestionLog.open(logFile));
        assertTrue(e.getMessage().startsWith(logFile + " line 2: not an ingestion log entry"), e.getMessage());
    }

    private static String uri(Path p) {
        return new org.apache.hadoop.fs.Path(p.toUri()).toString();
    }
}

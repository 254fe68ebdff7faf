package dev.spindle.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.data.IngestionLog;
import dev.spindle.data.prepare.TextDatasetPreparer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trains the tiny GPT from a Parquet copy of the test corpus chosen by {@code spec.data.format}, stops and
 * resumes it, and checks the run's ingestion log: the resumed run equals the straight one, and the log
 * names the Parquet files once per epoch, never twice.
 */
class ParquetTrainingIT {

    @TempDir
    Path dir;

    @Test
    void trainsFromParquetResumesBitForBitAndLogsEachFileOncePerEpoch() throws Exception {
        TestJobs.textDataset(dir);
        TextDatasetPreparer.prepare(List.of(dir.resolve("text").toString()), dir.resolve("pq").toUri().toString(),
                "parquet", 0.2, 7, 256);
        Path job = TestJobs.tinyGptJob(dir, "gradientAccumulation: 1");
        List<String> parquet = List.of("spec.data.uri=pq/train", "spec.data.evalUri=pq/eval",
                "spec.data.format=parquet");

        RunSummary straight = train(job, parquet, dir.resolve("straight"), false, Long.MAX_VALUE);
        train(job, parquet, dir.resolve("resumed"), false, 6);
        List<IngestionLog.Entry> beforeResume = IngestionLog.read(dir.resolve("resumed/ingestion.jsonl"));
        RunSummary resumed = train(job, parquet, dir.resolve("resumed"), true, Long.MAX_VALUE);
        assertEquals(straight.parametersDigest().orElseThrow(), resumed.parametersDigest().orElseThrow());

        List<IngestionLog.Entry> log = IngestionLog.read(dir.resolve("resumed/" + IngestionLog.FILE_NAME));
        assertFalse(beforeResume.isEmpty(), "the first part of the run logged its files");
        assertEquals(beforeResume, log.subList(0, beforeResume.size()), "a resume appends");
        Set<String> keys = new HashSet<>();
        for (IngestionLog.Entry e : log) {
            assertTrue(keys.add(e.rank() + " " + e.epoch() + " " + e.uri()), "logged twice: " + e);
            assertEquals("parquet", e.format());
            assertTrue(e.uri().endsWith(".parquet") && e.uri().contains("/pq/train/"), e.uri());
            assertEquals(Files.size(Path.of(java.net.URI.create(e.uri()))), e.bytes());
        }
        assertTrue(log.stream().anyMatch(e -> e.epoch() == 0), "epoch 0 logged: " + log);
    }

    private RunSummary train(Path job, List<String> overrides, Path runDir, boolean resume, long stopAt)
            throws Exception {
        TrainOptions options = TrainOptions.in(runDir).withBaseDirectory(dir).withResume(resume).withStopAt(stopAt)
                .withSampleTokens(0);
        return Spindle.train(Spindle.load(job, overrides), options);
    }
}

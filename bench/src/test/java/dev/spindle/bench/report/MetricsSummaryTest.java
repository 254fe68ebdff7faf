package dev.spindle.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsSummaryTest {

    @TempDir
    Path dir;

    private Path metrics(String... lines) throws IOException {
        return Files.write(dir.resolve("metrics.jsonl"), List.of(lines));
    }

    private static String entry(long step, double stepMillis) {
        return "{\"step\":" + step + ",\"loss\":2.3,\"stepMillis\":" + stepMillis
                + ",\"dataWaitMillis\":0.1,\"samplesPerSec\":1000}";
    }

    @Test
    void dropsWarmupEntriesByPositionWhateverTheFirstStepNumber() throws IOException {
        Path file = metrics(entry(1, 50), entry(2, 40), entry(3, 2.0), entry(4, 4.0), "", entry(5, 3.0));
        StepTimes times = MetricsSummary.read(file, 2);
        assertEquals(List.of(2.0, 4.0, 3.0), times.millis());
        assertEquals(3.0, times.median(), 0);
    }

    @Test
    void theRunsMemoryRecordIsNotAStep() throws IOException {
        Path file = metrics(entry(1, 50), "{\"record\":\"memory\",\"step\":1,\"parameterBytes\":1036}", entry(2, 4.0),
                entry(3, 2.0));
        assertEquals(List.of(4.0, 2.0), MetricsSummary.read(file, 1).millis());
    }

    @Test
    void missingStepMillisNamesFileLineAndField() throws IOException {
        Path file = metrics(entry(0, 1), "{\"step\":1,\"loss\":2.0}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetricsSummary.read(file, 0));
        assertTrue(e.getMessage().contains(file + ":2") && e.getMessage().contains("'stepMillis' is missing"),
                e.getMessage());
    }

    @Test
    void appendedSecondRunIsRejected() throws IOException {
        Path file = metrics(entry(0, 1), entry(1, 1), entry(0, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetricsSummary.read(file, 0));
        assertTrue(e.getMessage().contains(":3: step 0 follows step 1"), e.getMessage());
    }

    @Test
    void notJsonIsRejectedWithTheLine() throws IOException {
        Path file = metrics("step=1 ms=2");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetricsSummary.read(file, 0));
        assertTrue(e.getMessage().contains("not a JSON object: step=1 ms=2"), e.getMessage());
    }

    @Test
    void warmupCoveringEveryStepIsRejected() throws IOException {
        Path file = metrics(entry(0, 1), entry(1, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetricsSummary.read(file, 2));
        assertTrue(e.getMessage().contains("has 2 steps, none after the 2 warm-up steps"), e.getMessage());
    }
}

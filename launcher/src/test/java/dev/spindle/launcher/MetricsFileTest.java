package dev.spindle.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.parallel.mesh.MeshCoordinate;
import dev.spindle.train.MemoryReport;
import dev.spindle.train.StepMetrics;
import dev.spindle.train.TrainListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsFileTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static StepMetrics step(long step, double loss) {
        return new StepMetrics(step, loss, 0.01, Double.NaN, 100, 0, 5, 0.1, step * 0.005, Double.NaN);
    }

    private static final MemoryReport MEMORY = new MemoryReport(0, new MeshCoordinate(0, 0, 0), 1, 1036, 972, 1948,
            5120, 2);

    @Test
    void theMemoryRecordReadsBackAndStepReadersSkipIt() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsFile metrics = new MetricsFile(file, 0)) {
            metrics.onStep(step(1, 2.5));
            metrics.onMemory(MEMORY);
            metrics.onStep(step(2, 2.25));
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(3, lines.size());
        assertNull(MetricsFile.parse(lines.get(1)), "not a step: " + lines.get(1));
        assertEquals(MEMORY, MetricsFile.memory(JSON.readTree(lines.get(1))));
        assertEquals("memory", JSON.readTree(lines.get(1)).get("record").asText());
        assertNull(MetricsFile.memory(JSON.readTree(lines.get(0))));
        assertEquals(2.25, MetricsFile.lastLoss(file));

        // A resume after step 1 keeps step 1's lines, the memory record among them.
        new MetricsFile(file, 1).close();
        assertEquals(lines.subList(0, 2), Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    @Test
    void theFeedHandsRankMemoryEventsOfThisRunToTheListeners() throws IOException {
        List<MemoryReport> seen = new ArrayList<>();
        List<String> events = new ArrayList<>();
        TrainListener listener = new TrainListener() {
            @Override
            public void onMemory(MemoryReport memory) {
                seen.add(memory);
            }
        };
        MetricsFeed feed = new MetricsFeed(dir, List.of(listener), 0, e -> events.add(e.path("event").asText()));
        String earlier = Instant.now().minusSeconds(3600).toString();
        String later = Instant.now().plusSeconds(1).toString();
        Files.writeString(dir.resolve("events.jsonl"), String.join("\n",
                "{\"time\":\"" + earlier + "\",\"event\":\"rank-memory\",\"generation\":1,\"rank\":0,\"data\":0,"
                        + "\"tensor\":0,\"pipeline\":0,\"step\":1,\"parameterBytes\":1}",
                "{\"time\":\"" + later + "\",\"event\":\"rank-memory\",\"generation\":2,\"rank\":1,\"workerId\":\"w1\","
                        + "\"data\":0,\"tensor\":1,\"pipeline\":1,\"step\":5,\"parameterBytes\":4096,\"gradientBytes\":4096,"
                        + "\"optimizerBytes\":8200,\"peakActivationBytes\":65536,\"peakMicroBatches\":2,\"totalBytes\":81928}",
                "{\"time\":\"" + later + "\",\"event\":\"checkpoint-committed\",\"step\":5}", ""),
                StandardCharsets.UTF_8);
        feed.poll();
        assertEquals(List.of("rank-memory", "rank-memory", "checkpoint-committed"), events);
        assertEquals(List.of(new MemoryReport(1, new MeshCoordinate(0, 1, 1), 5, 4096, 4096, 8200, 65536, 2)), seen,
                "the earlier run's event is not shown again");
    }
}

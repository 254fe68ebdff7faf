package dev.spindle.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spindle.train.MemoryReport;
import dev.spindle.train.StepMetrics;
import dev.spindle.train.TrainListener;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends one JSON object per step to {@code metrics.jsonl}: step, loss, learning rate, gradient
 * norm (when clipping is on), samples/s, tokens/s, step and data-wait milliseconds, elapsed seconds, and the held-out
 * loss on steps that evaluated. Each line is flushed, so a killed run keeps what it measured.
 *
 * <p>Once per run, after its first step, a line {@code {"record": "memory", "step": 1, "rank": 0, ...,
 * "parameterBytes": ..., "gradientBytes": ..., "optimizerBytes": ..., "peakActivationBytes": ...}} records what
 * the run holds in memory ({@link MemoryReport}). Step lines carry no {@code record} field; readers that want steps
 * take the lines with a {@code loss} ({@link #parse} returns {@code null} for the others).
 */
final class MetricsFile implements TrainListener, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferedWriter out;

    MetricsFile(Path file, long resumeStep) throws IOException {
        if (resumeStep > 0) {
            dropLinesAfter(file, resumeStep);
        }
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    @Override
    public void onStep(StepMetrics m) {
        ObjectNode line = JSON.createObjectNode();
        line.put("step", m.step());
        line.put("loss", m.loss());
        line.put("lr", m.learningRate());
        if (!Double.isNaN(m.gradNorm())) {
            line.put("gradNorm", m.gradNorm());
        }
        line.put("samplesPerSec", round(m.samplesPerSec()));
        line.put("tokensPerSec", round(m.tokensPerSec()));
        line.put("stepMillis", round(m.stepMillis()));
        line.put("dataWaitMillis", round(m.dataWaitMillis()));
        line.put("elapsedSec", round(m.elapsedSeconds()));
        if (m.hasEvalLoss()) {
            line.put("evalLoss", m.evalLoss());
        }
        write(line);
    }

    /** The value of {@code record} on the line of a {@link MemoryReport}. */
    static final String MEMORY_RECORD = "memory";

    @Override
    public void onMemory(MemoryReport m) {
        ObjectNode line = JSON.createObjectNode();
        line.put("record", MEMORY_RECORD);
        line.put("step", m.step());
        line.put("rank", m.rank());
        line.put("data", m.coordinate().data());
        line.put("tensor", m.coordinate().tensor());
        line.put("pipeline", m.coordinate().pipeline());
        line.put("parameterBytes", m.parameterBytes());
        line.put("gradientBytes", m.gradientBytes());
        line.put("optimizerBytes", m.optimizerBytes());
        line.put("peakActivationBytes", m.peakActivationBytes());
        line.put("peakMicroBatches", m.peakMicroBatches());
        line.put("totalBytes", m.totalBytes());
        write(line);
    }

    private void write(ObjectNode line) {
        try {
            out.write(JSON.writeValueAsString(line));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("could not append to metrics.jsonl", e);
        }
    }

    /**
     * A memory line of {@code metrics.jsonl}, or a {@code rank-memory} event of {@code events.jsonl}, as the
     * report it was written from; {@code null} for any other line.
     */
    static MemoryReport memory(com.fasterxml.jackson.databind.JsonNode n) {
        boolean line = MEMORY_RECORD.equals(n.path("record").asText());
        boolean event = "rank-memory".equals(n.path("event").asText());
        if (!line && !event) {
            return null;
        }
        try {
            return new MemoryReport(n.path("rank").asInt(), new dev.spindle.parallel.mesh.MeshCoordinate(
                    n.path("data").asInt(), n.path("tensor").asInt(), n.path("pipeline").asInt()),
                    n.path("step").asLong(), n.path("parameterBytes").asLong(), n.path("gradientBytes").asLong(),
                    n.path("optimizerBytes").asLong(), n.path("peakActivationBytes").asLong(),
                    n.path("peakMicroBatches").asInt());
        } catch (IllegalArgumentException malformed) {
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /** The loss of the last complete line of a metrics file; {@code NaN} when there is none. */
    static double lastLoss(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Double.NaN;
        }
        double loss = Double.NaN;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            StepMetrics m = parse(line);
            if (m != null) {
                loss = m.loss();
            }
        }
        return loss;
    }

    /**
     * One line of a metrics file as the step's numbers ({@code NaN} for what it lacks); {@code null} if it is cut
     * short or is not a step's (a memory record).
     */
    static StepMetrics parse(String line) {
        if (line.isBlank()) {
            return null;
        }
        com.fasterxml.jackson.databind.JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (IOException e) {
            return null;
        }
        if (n == null || !n.has("step") || !n.has("loss") || n.has("record")) {
            return null;
        }
        return new StepMetrics(n.path("step").asLong(), n.path("loss").asDouble(Double.NaN),
                n.path("lr").asDouble(Double.NaN), n.path("gradNorm").asDouble(Double.NaN),
                n.path("samplesPerSec").asDouble(Double.NaN), n.path("tokensPerSec").asDouble(0),
                n.path("stepMillis").asDouble(Double.NaN), n.path("dataWaitMillis").asDouble(0),
                n.path("elapsedSec").asDouble(Double.NaN), n.path("evalLoss").asDouble(Double.NaN));
    }

    private static double round(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }

    /** A resumed run repeats the steps after its checkpoint: their old lines go, so none is doubled. */
    private static void dropLinesAfter(Path file, long step) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        StringBuilder kept = new StringBuilder();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                if (JSON.readTree(line).path("step").asLong(Long.MAX_VALUE) <= step) {
                    kept.append(line).append('\n');
                }
            } catch (IOException e) {
                // A line cut short by a kill: the steps after the checkpoint are measured again.
            }
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, kept, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}

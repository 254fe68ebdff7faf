package dev.spindle.launcher;

import dev.spindle.train.StepMetrics;
import dev.spindle.train.TrainListener;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Follows JSON-lines files that another component appends to (the coordinator of a multi-worker run):
 * each new step of {@code metrics.jsonl} goes to the run's listeners, so the CLI shows a multi-worker run
 * as it shows a single one, and each new line of {@code events.jsonl} to an event consumer; a {@code rank-memory}
 * event also reaches the listeners' {@link TrainListener#onMemory}. Call
 * {@link #poll()} now and then; it reads only complete lines. {@link CoordinatedRun#follow} makes one.
 */
public final class MetricsFeed {

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private final Tail metrics;
    private final Tail events;
    private final List<TrainListener> listeners;
    private final java.util.function.Consumer<com.fasterxml.jackson.databind.JsonNode> onEvent;
    private long lastStep;
    /** Memory events written before the feed started belong to an earlier run of the job: not shown again. */
    private final java.time.Instant since = java.time.Instant.now();

    MetricsFeed(Path runDir, List<TrainListener> listeners, long startStep,
            java.util.function.Consumer<com.fasterxml.jackson.databind.JsonNode> onEvent) {
        this.metrics = new Tail(runDir.resolve("metrics.jsonl"));
        this.events = new Tail(runDir.resolve("events.jsonl"));
        this.listeners = List.copyOf(listeners);
        this.lastStep = startStep;
        this.onEvent = onEvent;
    }

    /** Delivers the steps and events appended since the last call, in order; a step seen before is skipped. */
    public void poll() throws IOException {
        for (String line : events.newLines()) {
            com.fasterxml.jackson.databind.JsonNode event;
            try {
                event = JSON.readTree(line);
            } catch (IOException notJson) {
                continue; // a line cut short by a killed coordinator
            }
            if (event == null) {
                continue;
            }
            onEvent.accept(event);
            dev.spindle.train.MemoryReport memory = MetricsFile.memory(event);
            if (memory != null && !writtenBefore(event, since)) {
                listeners.forEach(l -> l.onMemory(memory));
            }
        }
        for (String line : metrics.newLines()) {
            StepMetrics m = MetricsFile.parse(line);
            if (m != null && m.step() > lastStep) {
                lastStep = m.step();
                listeners.forEach(l -> l.onStep(m));
            }
        }
    }

    private static boolean writtenBefore(com.fasterxml.jackson.databind.JsonNode event, java.time.Instant since) {
        try {
            return java.time.Instant.parse(event.path("time").asText()).isBefore(since);
        } catch (java.time.format.DateTimeParseException noTime) {
            return false;
        }
    }

    /** The complete lines appended to one file since the last call. */
    private static final class Tail {
        private final Path file;
        private long offset;

        Tail(Path file) {
            this.file = file;
        }

        List<String> newLines() throws IOException {
            if (!Files.exists(file)) {
                return List.of();
            }
            byte[] fresh;
            try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
                if (in.length() < offset) {
                    offset = 0; // rewritten (a resume drops the lines after its checkpoint)
                }
                fresh = new byte[(int) Math.min(Integer.MAX_VALUE, in.length() - offset)];
                in.seek(offset);
                in.readFully(fresh);
            }
            int end = lastNewline(fresh);
            if (end < 0) {
                return List.of();
            }
            offset += end + 1;
            return List.of(new String(fresh, 0, end, StandardCharsets.UTF_8).split("\n"));
        }
    }

    private static int lastNewline(byte[] bytes) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}

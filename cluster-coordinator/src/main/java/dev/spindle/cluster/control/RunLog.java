package dev.spindle.cluster.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's {@code events.jsonl} and {@code metrics.jsonl}: one JSON object a line, each with {@code time}.
 * Lines are appended in order by one background thread so the coordinator actor never waits on the disk.
 */
final class RunLog implements AutoCloseable {

    static final String EVENTS = "events.jsonl";
    static final String METRICS = "metrics.jsonl";

    private static final Logger LOG = LoggerFactory.getLogger(RunLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path events;
    private final Path metrics;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "spindle-runlog");
        t.setDaemon(true);
        return t;
    });

    RunLog(Path runDir) {
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the run directory " + runDir + ": " + e.getMessage(), e);
        }
        this.events = runDir.resolve(EVENTS);
        this.metrics = runDir.resolve(METRICS);
    }

    /** The newest generation an earlier coordinator of this run started, from events.jsonl; 0 if none. */
    long lastGeneration() {
        if (!Files.exists(events)) {
            return 0;
        }
        long last = 0;
        try {
            for (String line : Files.readAllLines(events, java.nio.charset.StandardCharsets.UTF_8)) {
                try {
                    var n = JSON.readTree(line);
                    if (n != null && "generation-started".equals(n.path("event").asText())) {
                        last = Math.max(last, n.path("generation").asLong());
                    }
                } catch (IOException cutShort) {
                    // a line cut short by a killed coordinator
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + events + ": " + e.getMessage(), e);
        }
        return last;
    }

    /** Appends {@code {"time":..., "event": name, fields...}} to events.jsonl. */
    void event(String name, Object... keyValues) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        line.put("event", name);
        put(line, keyValues);
        append(events, line);
    }

    /** Appends {@code {"time":..., fields...}} to metrics.jsonl. */
    void metric(Object... keyValues) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        put(line, keyValues);
        append(metrics, line);
    }

    private static void put(Map<String, Object> line, Object... keyValues) {
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            line.put((String) keyValues[i], keyValues[i + 1]);
        }
    }

    private void append(Path file, Map<String, Object> line) {
        String text;
        try {
            text = JSON.writeValueAsString(line) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not representable as JSON: " + line, e);
        }
        try {
            writer.execute(() -> write(file, text));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            LOG.debug("run log closed; dropped {}", text);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.warn("could not append to {}: {}", file, e.getMessage());
        }
    }

    /** Completes once every line appended before this call is written (at once if the log is closed). */
    CompletableFuture<Void> written() {
        try {
            return CompletableFuture.runAsync(() -> { }, writer);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            return CompletableFuture.completedFuture(null);
        }
    }

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.spindle.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the step times out of a Spindle run's {@code metrics.jsonl}.
 *
 * <p>Each line is one JSON object with at least {@code step} and {@code stepMillis}; lines are kept
 * in file order and steps numbered below {@code warmup} are dropped, so a file that also holds
 * warm-up steps gives the same statistic as the bare loop's.
 *
 * <pre>{@code
 * StepTimes times = MetricsSummary.read(runDir.resolve("metrics.jsonl"), 5);
 * double ms = times.median();
 * }</pre>
 */
public final class MetricsSummary {

    private static final ObjectMapper JSON = new ObjectMapper();

    private MetricsSummary() {
    }

    /**
     * The {@code stepMillis} of every line whose {@code step} is at least {@code warmup}.
     *
     * @throws IllegalArgumentException naming the file and line of a malformed entry, or when no
     *     step is left after the warm-up
     */
    public static StepTimes read(Path metricsFile, int warmup) {
        if (warmup < 0) {
            throw new IllegalArgumentException("warmup is " + warmup + "; expected >= 0");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(metricsFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read metrics file " + metricsFile, e);
        }
        List<Double> kept = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = metricsFile + ":" + (i + 1);
            JsonNode entry;
            try {
                entry = JSON.readTree(line);
            } catch (IOException e) {
                throw new IllegalArgumentException(where + ": not a JSON object: " + abbreviate(line), e);
            }
            long step = number(entry, "step", where).longValue();
            double stepMillis = number(entry, "stepMillis", where).doubleValue();
            if (step >= warmup) {
                kept.add(stepMillis);
            }
        }
        if (kept.isEmpty()) {
            throw new IllegalArgumentException(metricsFile + " has no step numbered " + warmup
                    + " or later (" + lines.size() + " lines); run more steps than the warm-up");
        }
        return new StepTimes(kept);
    }

    private static Number number(JsonNode entry, String field, String where) {
        JsonNode value = entry.get(field);
        if (value == null || !value.isNumber()) {
            throw new IllegalArgumentException(where + ": field '" + field + "' is "
                    + (value == null ? "missing" : value.toString()) + "; expected a number");
        }
        return value.numberValue();
    }

    private static String abbreviate(String line) {
        return line.length() <= 80 ? line : line.substring(0, 77) + "...";
    }
}

package dev.spindle.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the step times out of a Spindle run's {@code metrics.jsonl}.
 *
 * <p>Each line is one JSON object with at least {@code step} and {@code stepMillis}. The first
 * {@code warmup} entries are dropped by position, not by step number, so the statistic matches the
 * bare loop's whether the trainer counts steps from 0 or from 1; steps must increase line by line,
 * which catches two runs appended to one file.
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
     * The {@code stepMillis} of every entry after the first {@code warmup}.
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
        int entries = 0;
        long previousStep = Long.MIN_VALUE;
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
            if (entry.has("record")) {
                continue; // not a step's line (e.g. the run's memory record)
            }
            long step = number(entry, "step", where).longValue();
            double stepMillis = number(entry, "stepMillis", where).doubleValue();
            if (step <= previousStep) {
                throw new IllegalArgumentException(where + ": step " + step + " follows step " + previousStep
                        + "; expected increasing steps from one run (use a fresh --run-dir)");
            }
            previousStep = step;
            if (entries++ >= warmup) {
                kept.add(stepMillis);
            }
        }
        if (kept.isEmpty()) {
            throw new IllegalArgumentException(metricsFile + " has " + entries + " steps, none after the "
                    + warmup + " warm-up steps; run more steps than the warm-up");
        }
        return new StepTimes(kept);
    }

    /** {@code MetricsSummary <metrics.jsonl> <warmup>}: prints the median step time in milliseconds. */
    public static void main(String[] args) {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: MetricsSummary <metrics.jsonl> <warm-up steps>");
        }
        int warmup;
        try {
            warmup = Integer.parseInt(args[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("warm-up steps is '" + args[1] + "'; expected a whole number", e);
        }
        StepTimes times = read(Path.of(args[0]), warmup);
        System.out.println(String.format(Locale.ROOT, "%.3f", times.median()));
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

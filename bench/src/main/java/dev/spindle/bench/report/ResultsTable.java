package dev.spindle.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The benchmark's result table: per model, the median step time of Spindle, the bare DJL loop and
 * PyTorch eager, and the ratios the targets are stated in (Spindle within 5% of bare DJL, and no
 * slower than PyTorch).
 *
 * <p>A missing measurement stays visibly missing: its cell shows the reason (for example
 * {@code pending}) and every ratio that needs it shows {@code -}; nothing is filled in.
 *
 * <pre>{@code
 * String table = ResultsTable.render(List.of(
 *         new ResultsTable.Row("mlp", OptionalDouble.empty(), "pending", 2.2, 5.9)));
 * }</pre>
 *
 * <p>From the command line ({@code bench/run-step-bench.sh} does this):
 * {@code ResultsTable --out results.md --row mlp,pending,2.2,5.9 --row gpt,210.0,205.0,190.0}; a
 * Spindle cell that is not a number is taken as the reason it is missing.
 */
public final class ResultsTable {

    /** Spindle may be this much slower than the bare DJL loop (the target). */
    public static final double SPINDLE_OVER_DJL_TARGET = 1.05;

    /** Spindle should be at least as fast as PyTorch eager. */
    public static final double SPINDLE_OVER_TORCH_TARGET = 1.00;

    private ResultsTable() {
    }

    /**
     * One model's measurements in milliseconds per step.
     *
     * @param model the model name, e.g. {@code mlp}
     * @param spindleMs Spindle's median step time, empty when not measured
     * @param spindleMissing why Spindle's time is missing (ignored when present)
     * @param djlMs the bare DJL loop's median step time
     * @param torchMs PyTorch eager's median step time
     */
    public record Row(String model, OptionalDouble spindleMs, String spindleMissing, double djlMs,
            double torchMs) {

        public Row {
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("model name is '" + model + "'; expected a name such as mlp");
            }
            requirePositive(model, "spindleMs", spindleMs.orElse(1));
            requirePositive(model, "djlMs", djlMs);
            requirePositive(model, "torchMs", torchMs);
            if (spindleMs.isEmpty() && (spindleMissing == null || spindleMissing.isBlank())) {
                throw new IllegalArgumentException(
                        "row " + model + ": Spindle time is missing without a reason; say why (e.g. pending)");
            }
        }

        private static void requirePositive(String model, String field, double ms) {
            if (!Double.isFinite(ms) || ms <= 0) {
                throw new IllegalArgumentException(
                        "row " + model + ": " + field + " is " + ms + "; expected a positive number of milliseconds");
            }
        }

        /** Parses {@code model,spindle,djl,torch}; a non-numeric Spindle cell is the reason it is missing. */
        public static Row parse(String text) {
            String[] cells = text.split(",", -1);
            if (cells.length != 4) {
                throw new IllegalArgumentException("row '" + text
                        + "' has " + cells.length + " cells; expected model,spindleMs|reason,djlMs,torchMs");
            }
            OptionalDouble spindle = OptionalDouble.empty();
            String missing = null;
            try {
                spindle = OptionalDouble.of(Double.parseDouble(cells[1]));
            } catch (NumberFormatException notANumber) {
                missing = cells[1].strip();
            }
            return new Row(cells[0].strip(), spindle, missing, parse(text, "djlMs", cells[2]),
                    parse(text, "torchMs", cells[3]));
        }

        private static double parse(String row, String field, String cell) {
            try {
                return Double.parseDouble(cell.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "row '" + row + "': " + field + " is '" + cell + "'; expected milliseconds as a number", e);
            }
        }
    }

    /** The table in Markdown, one line per row, with a header. */
    public static String render(List<Row> rows) {
        StringBuilder out = new StringBuilder();
        out.append("| model | Spindle ms/step | bare DJL ms/step | PyTorch ms/step"
                + " | Spindle / DJL (target <= 1.05) | Spindle / PyTorch (target <= 1.00) | DJL / PyTorch |\n");
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Row row : rows) {
            String spindle = row.spindleMs().isPresent() ? ms(row.spindleMs().getAsDouble()) : row.spindleMissing();
            out.append("| ").append(row.model())
                    .append(" | ").append(spindle)
                    .append(" | ").append(ms(row.djlMs()))
                    .append(" | ").append(ms(row.torchMs()))
                    .append(" | ").append(ratio(row.spindleMs(), row.djlMs(), SPINDLE_OVER_DJL_TARGET))
                    .append(" | ").append(ratio(row.spindleMs(), row.torchMs(), SPINDLE_OVER_TORCH_TARGET))
                    .append(" | ").append(String.format(Locale.ROOT, "%.2f", row.djlMs() / row.torchMs()))
                    .append(" |\n");
        }
        return out.toString();
    }

    private static String ms(double ms) {
        return String.format(Locale.ROOT, "%.2f", ms);
    }

    private static String ratio(OptionalDouble spindleMs, double otherMs, double target) {
        if (spindleMs.isEmpty()) {
            return "-";
        }
        double ratio = spindleMs.getAsDouble() / otherMs;
        return String.format(Locale.ROOT, "%.2f %s", ratio, ratio <= target ? "(met)" : "(missed)");
    }

    /** Prints the table and writes it, after any {@code --note} lines, to {@code --out}. */
    public static void main(String[] args) {
        Path out = null;
        List<Row> rows = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + flag + " needs a value");
            }
            String value = args[++i];
            switch (flag) {
                case "--out" -> out = Path.of(value);
                case "--row" -> rows.add(Row.parse(value));
                case "--note" -> notes.add(value);
                default -> throw new IllegalArgumentException(
                        "unknown option " + flag + "; expected --out FILE, --row model,spindle,djl,torch, --note TEXT");
            }
        }
        if (out == null || rows.isEmpty()) {
            throw new IllegalArgumentException("need --out FILE and at least one --row");
        }
        String table = render(rows);
        System.out.print(table);
        StringBuilder file = new StringBuilder();
        notes.forEach(note -> file.append(note).append("\n\n"));
        file.append(table);
        try {
            Files.writeString(out, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results file " + out, e);
        }
    }
}

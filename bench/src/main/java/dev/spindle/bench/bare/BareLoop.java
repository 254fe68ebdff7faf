package dev.spindle.bench.bare;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.spindle.bench.report.StepTimes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The timed training loop the bare benchmarks share: forward, backward and AdamW on batches
 * already in memory, each step in its own sub-manager, one step timed at a time.
 *
 * <p>A step's clock covers making the sub-manager, forward, backward, the update, reading the loss
 * to the host (Spindle logs it every step, so the bare loop pays for it too) and closing the
 * sub-manager.
 *
 * <pre>{@code
 * BareLoop.Options options = BareLoop.Options.parse(args);
 * BareLoop.Result result = BareLoop.run(model, adamw, batches, options);
 * System.out.println(result.line("mlp"));
 * }</pre>
 */
public final class BareLoop {

    /** Steps run before timing starts. */
    public static final int DEFAULT_WARMUP = 5;
    /** Timed rounds. */
    public static final int DEFAULT_ROUNDS = 5;
    /** Steps in each round. */
    public static final int DEFAULT_STEPS_PER_ROUND = 20;
    /** Seed for parameters and data. */
    public static final long DEFAULT_SEED = 42;
    /** Distinct batches held in memory and cycled through. */
    public static final int DEFAULT_BATCHES = 4;

    private BareLoop() {
    }

    /**
     * How long to run.
     *
     * @param warmup untimed steps first, >= 0
     * @param rounds timed rounds, >= 1
     * @param stepsPerRound steps per round, >= 1
     * @param seed seed for parameters and data
     * @param batches distinct in-memory batches, >= 1
     */
    public record Options(int warmup, int rounds, int stepsPerRound, long seed, int batches) {

        public Options {
            require("--warmup", warmup, 0);
            require("--rounds", rounds, 1);
            require("--steps", stepsPerRound, 1);
            require("--batches", batches, 1);
        }

        /** The defaults above. */
        public static Options defaults() {
            return new Options(DEFAULT_WARMUP, DEFAULT_ROUNDS, DEFAULT_STEPS_PER_ROUND, DEFAULT_SEED, DEFAULT_BATCHES);
        }

        /** Total steps, warm-up included. */
        public int totalSteps() {
            return warmup + rounds * stepsPerRound;
        }

        /** Parses {@code --warmup N --rounds N --steps N --seed N --batches N}; absent ones keep their defaults. */
        public static Options parse(String... args) {
            Options o = defaults();
            for (int i = 0; i < args.length; i += 2) {
                String flag = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + flag + " needs a value");
                }
                long value;
                try {
                    value = Long.parseLong(args[i + 1]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            "option " + flag + " is '" + args[i + 1] + "'; expected a whole number", e);
                }
                o = switch (flag) {
                    case "--warmup" -> new Options(Math.toIntExact(value), o.rounds, o.stepsPerRound, o.seed, o.batches);
                    case "--rounds" -> new Options(o.warmup, Math.toIntExact(value), o.stepsPerRound, o.seed, o.batches);
                    case "--steps" -> new Options(o.warmup, o.rounds, Math.toIntExact(value), o.seed, o.batches);
                    case "--seed" -> new Options(o.warmup, o.rounds, o.stepsPerRound, value, o.batches);
                    case "--batches" -> new Options(o.warmup, o.rounds, o.stepsPerRound, o.seed, Math.toIntExact(value));
                    default -> throw new IllegalArgumentException("unknown option " + flag
                            + "; expected --warmup, --rounds, --steps, --seed or --batches");
                };
            }
            return o;
        }

        private static void require(String flag, long value, long min) {
            if (value < min) {
                throw new IllegalArgumentException(flag + " is " + value + "; expected >= " + min);
            }
        }
    }

    /**
     * What a run measured.
     *
     * @param times every step's time, warm-up included
     * @param losses every step's loss
     * @param options how it ran
     */
    public record Result(StepTimes times, List<Float> losses, Options options) {

        public Result {
            losses = List.copyOf(losses);
        }

        /** Median step time after the warm-up. */
        public double medianMillis() {
            return times.afterWarmup(options.warmup()).median();
        }

        /** The one line the script parses: {@code RESULT impl=djl model=... median_ms=...}. */
        public String line(String model) {
            StringBuilder rounds = new StringBuilder();
            for (double ms : times.afterWarmup(options.warmup()).roundMeans(options.stepsPerRound())) {
                rounds.append(rounds.length() == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.3f", ms));
            }
            return String.format(Locale.ROOT,
                    "RESULT impl=djl model=%s threads=%d median_ms=%.3f round_means_ms=%s first_loss=%.6f last_loss=%.6f",
                    model, threads(), medianMillis(), rounds,
                    losses.get(0), losses.get(losses.size() - 1));
        }

        private static int threads() {
            return Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
        }
    }

    /**
     * Runs {@code options.totalSteps()} steps, cycling through {@code batches} ({@code [input, labels]}
     * each, in a manager that outlives the run).
     */
    public static Result run(BareModel model, BareAdamW optimizer, List<NDList> batches, Options options) {
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("no batches to train on; expected at least one [input, labels]");
        }
        NDManager root = model.parameters().head().getManager();
        List<Double> millis = new ArrayList<>();
        List<Float> losses = new ArrayList<>();
        for (int step = 0; step < options.totalSteps(); step++) {
            NDList batch = batches.get(step % batches.size());
            long start = System.nanoTime();
            try (NDManager stepManager = root.newSubManager()) {
                // The batch visits the step's manager, so everything computed from it is freed on close
                // and the batch itself returns to its own manager.
                batch.tempAttach(stepManager);
                NDArray loss;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    loss = model.loss(batch.get(0), batch.get(1));
                    collector.backward(loss);
                }
                optimizer.step();
                losses.add(loss.getFloat());
            }
            millis.add((System.nanoTime() - start) / 1e6);
        }
        return new Result(new StepTimes(millis), losses, options);
    }
}

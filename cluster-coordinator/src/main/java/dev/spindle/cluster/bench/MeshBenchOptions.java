package dev.spindle.cluster.bench;

import dev.spindle.cluster.dataplane.PeerAddress;
import dev.spindle.model.gpt.GptConfig;
import dev.spindle.parallel.pipeline.Schedule;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The parsed arguments of one {@link MeshBench} rank. */
record MeshBenchOptions(boolean pipeline, int rank, int ranks, PeerAddress rank0, Path secretFile, int microBatches,
                        Schedule schedule, int batch, GptConfig config, int steps, int warmup, int pings, int seed,
                        int timeoutSeconds) {

    private static final List<String> NAMES = List.of("--mode", "--rank", "--ranks", "--peers", "--secret-file",
            "--micro-batches", "--schedule", "--batch", "--layers", "--hidden", "--heads", "--context", "--vocab",
            "--steps", "--warmup", "--pings", "--seed", "--timeout-seconds");

    static MeshBenchOptions parse(String[] argv) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < argv.length; i += 2) {
            if (!NAMES.contains(argv[i])) {
                throw new IllegalArgumentException("unknown option " + argv[i] + "; usage: " + usage());
            }
            if (i + 1 >= argv.length) {
                throw new IllegalArgumentException(argv[i] + " needs a value; usage: " + usage());
            }
            values.put(argv[i], argv[i + 1]);
        }
        String mode = values.get("--mode");
        if (!"pipeline".equals(mode) && !"tensor".equals(mode)) {
            throw new IllegalArgumentException("--mode must be pipeline or tensor, got " + mode + "; usage: " + usage());
        }
        int ranks = number(values, "--ranks", null, 1);
        int rank = number(values, "--rank", null, 0);
        if (rank >= ranks) {
            throw new IllegalArgumentException("--rank must be in 0..--ranks-1, got --rank " + rank + " --ranks " + ranks);
        }
        String peers = values.get("--peers");
        String secret = values.get("--secret-file");
        if (ranks > 1 && (peers == null || secret == null)) {
            throw new IllegalArgumentException("--peers (rank 0's host:port) and --secret-file are required for more"
                    + " than one rank; usage: " + usage());
        }
        String scheduleName = values.getOrDefault("--schedule", "1f1b");
        Schedule schedule = switch (scheduleName) {
            case "gpipe" -> Schedule.GPIPE;
            case "1f1b" -> Schedule.ONE_F_ONE_B;
            default -> throw new IllegalArgumentException("--schedule must be gpipe or 1f1b, got " + scheduleName);
        };
        GptConfig config = new GptConfig(number(values, "--vocab", 256, 1), number(values, "--context", 64, 1),
                number(values, "--layers", 4, 1), number(values, "--heads", 4, 1), number(values, "--hidden", 128, 1),
                true, 0.0, GptConfig.DEFAULT_LAYER_NORM_EPS);
        return new MeshBenchOptions("pipeline".equals(mode), rank, ranks, peers == null ? null : PeerAddress.parse(peers),
                secret == null ? null : Path.of(secret), number(values, "--micro-batches", 8, 1), schedule,
                number(values, "--batch", 4, 1), config, number(values, "--steps", 5, 1),
                number(values, "--warmup", 2, 0), number(values, "--pings", 30, 1), number(values, "--seed", 7, 0),
                number(values, "--timeout-seconds", 120, 1));
    }

    private static int number(Map<String, String> values, String name, Integer fallback, int minimum) {
        String value = values.get(name);
        if (value == null) {
            if (fallback == null) {
                throw new IllegalArgumentException(name + " is required; usage: " + usage());
            }
            return fallback;
        }
        try {
            int number = Integer.parseInt(value);
            if (number < minimum) {
                throw new IllegalArgumentException(name + " must be >= " + minimum + ", got " + number);
            }
            return number;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a whole number, got '" + value + "'");
        }
    }

    static String usage() {
        return "MeshBench --mode pipeline|tensor --rank r --ranks R --peers host:port --secret-file F"
                + " [--micro-batches M] [--schedule gpipe|1f1b] [--batch B] [--layers L] [--hidden H] [--heads N]"
                + " [--context S] [--vocab V] [--steps N] [--warmup W] [--pings K] [--seed S] [--timeout-seconds T]";
    }
}

package dev.spindle.launcher.cli;

import dev.spindle.cluster.bench.AllReduceBench;
import dev.spindle.cluster.security.JobSecret;
import dev.spindle.launcher.local.JavaProcess;
import dev.spindle.launcher.local.WorkerProcesses;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code spindle bench allreduce}: measure the data plane between worker JVMs on this machine. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure parts of Spindle on this machine.",
        subcommands = {BenchCommand.AllReduce.class})
final class BenchCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "allreduce", mixinStandardHelpOptions = true,
            description = "All-reduce S MiB of float32 across R worker JVMs on the data plane (TCP on 127.0.0.1) and"
                    + " print rank 0's JSON line: impl, ranks, bytes, median seconds, bus bandwidth in MB/s.")
    static final class AllReduce implements java.util.concurrent.Callable<Integer> {

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--ranks", required = true, paramLabel = "R", description = "Worker JVMs, at least 2.")
        int ranks;

        @Option(names = "--mb", required = true, paramLabel = "S", description = "MiB of float32 reduced (1..1024).")
        int mb;

        @Option(names = "--iterations", paramLabel = "K", defaultValue = "" + AllReduceBench.DEFAULT_ITERATIONS,
                description = "Timed all-reduces; the median is reported (default ${DEFAULT-VALUE}).")
        int iterations;

        @Option(names = "--warmup", paramLabel = "W", defaultValue = "" + AllReduceBench.DEFAULT_WARMUP,
                description = "Untimed all-reduces first (default ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--timeout-seconds", paramLabel = "T", defaultValue = "" + AllReduceBench.DEFAULT_TIMEOUT_SECONDS,
                description = "How long a rank waits for its peers in any one collective (default ${DEFAULT-VALUE}).")
        int timeoutSeconds;

        @Option(names = "--verbose", description = "Show every line the ranks write, on stderr, prefixed by rank.")
        boolean verbose;

        @Override
        public Integer call() throws IOException, InterruptedException {
            check(ranks >= 2, "--ranks: expected >= 2 (an all-reduce needs peers), got " + ranks);
            check(mb >= 1 && mb <= 1024, "--mb: expected 1..1024 MiB, got " + mb);
            check(iterations >= 1, "--iterations: expected >= 1, got " + iterations);
            check(warmup >= 0, "--warmup: expected >= 0, got " + warmup);
            check(timeoutSeconds >= 1, "--timeout-seconds: expected >= 1, got " + timeoutSeconds);
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Path dir = Files.createTempDirectory("spindle-bench-");
            try {
                Path secretFile = dir.resolve("job.secret");
                JobSecret.generate().write(secretFile);
                String root = "127.0.0.1:" + freeLoopbackPort();
                int threads = WorkerProcesses.threadsPerWorker(Runtime.getRuntime().availableProcessors(), ranks);
                IntFunction<JavaProcess> rank = r -> JavaProcess.builder(AllReduceBench.MAIN_CLASS)
                        .threads(threads)
                        .args(AllReduceBench.args(r, ranks, mb, root, secretFile, iterations, warmup))
                        .args("--timeout-seconds", Integer.toString(timeoutSeconds))
                        .build();
                out.println(runRanks(ranks, rank, dir, verbose ? err : null));
                out.flush();
                return SpindleCli.OK;
            } catch (RankFailed e) {
                err.println("spindle: " + e.getMessage());
                err.flush();
                return SpindleCli.FAILED;
            } finally {
                deleteTree(dir);
            }
        }

        private void check(boolean ok, String message) {
            if (!ok) {
                throw new ParameterException(spec.commandLine(), message);
            }
        }
    }

    /** A rank of a group failed or printed no result; the message is the one line to show. */
    static final class RankFailed extends Exception {
        RankFailed(String message) {
            super(message);
        }
    }

    /**
     * Runs {@code ranks} processes made by {@code rank} (rank r is worker {@code w<r>}), waits for all of them
     * and returns the JSON line (a line starting with <code>{</code>) rank 0 printed on stdout. The first rank
     * that exits non-zero stops the others and fails the group with its code and its last line. Lines the
     * ranks write go to {@code verbose} as {@code "[rank r] text"} when it is not null.
     */
    static String runRanks(int ranks, IntFunction<JavaProcess> rank, Path runDir, PrintWriter verbose)
            throws IOException, InterruptedException, RankFailed {
        Map<String, Integer> rankOf = new ConcurrentHashMap<>();
        Map<Integer, String> lastLine = new ConcurrentHashMap<>();
        Map<Integer, String> lastErrorLine = new ConcurrentHashMap<>();
        AtomicReference<String> result = new AtomicReference<>();
        BlockingQueue<WorkerProcesses.Exit> exits = new LinkedBlockingQueue<>();
        try (WorkerProcesses group = WorkerProcesses.builder(runDir, id -> {
                    int r = rankOf.size();
                    rankOf.put(id, r);
                    return rank.apply(r);
                })
                .output(line -> {
                    int r = rankOf.get(line.workerId());
                    if (r == 0 && !line.stderr() && line.text().startsWith("{")) {
                        result.set(line.text());
                    } else {
                        (line.stderr() ? lastErrorLine : lastLine).put(r, line.text());
                    }
                    if (verbose != null) {
                        verbose.println("[rank " + r + "] " + line.text());
                        verbose.flush();
                    }
                })
                .onExit(exits::add)
                .stopGrace(Duration.ofSeconds(5))
                .build()) {
            List<String> ids = group.start(ranks);
            for (int i = 0; i < ids.size(); i++) {
                group.relabel(ids.get(i), "rank " + i);
            }
            for (int exited = 0; exited < ranks; exited++) {
                WorkerProcesses.Exit exit = exits.take();
                if (exit.exitCode() != 0 && !exit.requested()) {
                    int r = rankOf.get(exit.workerId());
                    String last = lastErrorLine.getOrDefault(r, lastLine.get(r));
                    throw new RankFailed("rank " + r + " of " + ranks + " exited with code " + exit.exitCode()
                            + (last == null ? " and printed nothing" : ": " + last));
                }
            }
        }
        if (result.get() == null) {
            throw new RankFailed("rank 0 exited without printing its result line");
        }
        return result.get();
    }

    /** A port free on 127.0.0.1 now, for rank 0 to bind (another process could take it first: then rank 0 fails). */
    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

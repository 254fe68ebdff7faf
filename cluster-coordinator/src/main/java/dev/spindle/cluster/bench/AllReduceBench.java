package dev.spindle.cluster.bench;

import dev.spindle.cluster.dataplane.CollectiveException;
import dev.spindle.cluster.dataplane.DataPlaneListener;
import dev.spindle.cluster.dataplane.PeerAddress;
import dev.spindle.cluster.dataplane.Rendezvous;
import dev.spindle.cluster.dataplane.TcpCollectives;
import dev.spindle.cluster.security.JobSecret;
import dev.spindle.collective.ReduceOp;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One rank of the data-plane all-reduce benchmark: start {@code R} processes of this class, one per
 * rank; rank 0 prints one JSON line
 * {@code {"impl":"spindle","ranks":R,"bytes":B,"seconds":T,"busBandwidthMBps":W}} where {@code B} is
 * {@code --mb} MiB of float32, {@code T} the median over {@code --iterations} timed all-reduces (AVG;
 * each starts after a barrier) and {@code W = B / T * 2(R-1)/R / 10^6} (the NCCL-tests bus bandwidth,
 * comparable across group sizes).
 *
 * <p>Arguments: {@code --rank r --ranks R --mb S --peers host:port[,host:port...] --secret-file F
 * [--iterations K (20)] [--warmup W (3)] [--timeout-seconds T (60)]}. With one address in
 * {@code --peers} (the usual form) that is rank 0's: rank 0 binds it, the other ranks bind an ephemeral
 * port on the same host and find each other through rank 0 ({@link Rendezvous}, authenticated by the
 * job secret), so no port but rank 0's has to be known in advance. With {@code R} addresses, rank
 * {@code r} binds the {@code r}-th and no rendezvous happens. After the timed runs every rank checks one
 * SUM all-reduce of known values, so a wrong result cannot pass as a fast one. Each rank writes one
 * line to stderr once its group is connected. Exit code 0 on success,
 * 1 with one line on stderr if a collective fails, 2 for bad arguments.
 *
 * <pre>{@code
 * List<String> args = AllReduceBench.args(rank, 4, 64, "127.0.0.1:29500", secretFile, 20, 3);
 * // java -cp <classpath> dev.spindle.cluster.bench.AllReduceBench <args...>   (once per rank)
 * }</pre>
 */
public final class AllReduceBench {

    /** The main class to start, once per rank. */
    public static final String MAIN_CLASS = AllReduceBench.class.getName();
    public static final int DEFAULT_ITERATIONS = 20;
    public static final int DEFAULT_WARMUP = 3;
    public static final int DEFAULT_TIMEOUT_SECONDS = 60;

    /** The parsed arguments of one rank. */
    record Options(int rank, int ranks, int mb, List<PeerAddress> peers, Path secretFile, int iterations, int warmup,
                   int timeoutSeconds) {}

    private AllReduceBench() {}

    /** The arguments for rank {@code rank} of {@code ranks}, rendezvous at rank 0's {@code rank0Address} ({@code host:port}). */
    public static List<String> args(int rank, int ranks, int mb, String rank0Address, Path secretFile, int iterations,
                                    int warmup) {
        return List.of("--rank", String.valueOf(rank), "--ranks", String.valueOf(ranks), "--mb", String.valueOf(mb),
                "--peers", rank0Address, "--secret-file", secretFile.toString(),
                "--iterations", String.valueOf(iterations), "--warmup", String.valueOf(warmup));
    }

    public static void main(String[] argv) {
        Options options;
        try {
            options = parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("allreduce bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            String line = run(options);
            if (line != null) {
                System.out.println(line);
            }
            System.exit(0);
        } catch (CollectiveException | IOException | IllegalArgumentException | IllegalStateException e) {
            System.err.println("allreduce bench rank " + options.rank() + ": " + e.getMessage());
            System.exit(1);
        }
    }

    static Options parse(String[] argv) {
        Integer rank = null;
        Integer ranks = null;
        Integer mb = null;
        String peers = null;
        String secret = null;
        int iterations = DEFAULT_ITERATIONS;
        int warmup = DEFAULT_WARMUP;
        int timeout = DEFAULT_TIMEOUT_SECONDS;
        for (int i = 0; i < argv.length; i++) {
            String name = argv[i];
            if (i + 1 >= argv.length) {
                throw new IllegalArgumentException(name + " needs a value; usage: " + usage());
            }
            String value = argv[++i];
            switch (name) {
                case "--rank" -> rank = number(name, value);
                case "--ranks" -> ranks = number(name, value);
                case "--mb" -> mb = number(name, value);
                case "--peers" -> peers = value;
                case "--secret-file" -> secret = value;
                case "--iterations" -> iterations = number(name, value);
                case "--warmup" -> warmup = number(name, value);
                case "--timeout-seconds" -> timeout = number(name, value);
                default -> throw new IllegalArgumentException("unknown option " + name + "; usage: " + usage());
            }
        }
        if (rank == null || ranks == null || mb == null || peers == null || secret == null) {
            throw new IllegalArgumentException("--rank, --ranks, --mb, --peers and --secret-file are required; usage: "
                    + usage());
        }
        if (ranks < 1 || rank < 0 || rank >= ranks) {
            throw new IllegalArgumentException("--rank must be in 0..--ranks-1, got --rank " + rank + " --ranks " + ranks);
        }
        if (mb < 1 || mb > 1024) {
            throw new IllegalArgumentException("--mb must be 1..1024 (MiB of float32), got " + mb);
        }
        if (iterations < 1 || warmup < 0 || timeout < 1) {
            throw new IllegalArgumentException("--iterations and --timeout-seconds must be >= 1 and --warmup >= 0, got "
                    + iterations + ", " + timeout + ", " + warmup);
        }
        List<PeerAddress> addresses = Arrays.stream(peers.split(",")).map(PeerAddress::parse).toList();
        if (addresses.size() != 1 && addresses.size() != ranks) {
            throw new IllegalArgumentException("--peers holds rank 0's host:port, or one per rank (" + ranks + "), got "
                    + addresses.size() + " addresses");
        }
        return new Options(rank, ranks, mb, addresses, Path.of(secret), iterations, warmup, timeout);
    }

    private static int number(String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a whole number, got '" + value + "'");
        }
    }

    private static String usage() {
        return "AllReduceBench --rank r --ranks R --mb S --peers host:port[,...] --secret-file F"
                + " [--iterations K] [--warmup W] [--timeout-seconds T]";
    }

    /** Runs one rank; returns rank 0's JSON line (null on other ranks). */
    static String run(Options options) throws IOException {
        JobSecret secret = JobSecret.read(options.secretFile());
        Duration timeout = Duration.ofSeconds(options.timeoutSeconds());
        int rank = options.rank();
        int ranks = options.ranks();
        boolean rendezvous = options.peers().size() == 1 && ranks > 1;
        // Under rendezvous, ranks other than 0 bind an ephemeral port on rank 0's host (one machine).
        PeerAddress own = options.peers().get(rendezvous || ranks == 1 ? 0 : rank);
        int port = rendezvous && rank > 0 ? 0 : own.port();
        try (DataPlaneListener listener = DataPlaneListener.bind(own.host(), port, secret)) {
            List<PeerAddress> peers = rendezvous
                    ? Rendezvous.exchange(listener, rank, ranks, options.peers().get(0), Rendezvous.BOOTSTRAP_GENERATION,
                            timeout)
                    : (ranks == 1 ? List.of(listener.address()) : options.peers());
            try (TcpCollectives collectives = listener.connect(Rendezvous.BOOTSTRAP_GENERATION + 1, rank, peers,
                    timeout)) {
                System.err.println("allreduce bench rank " + rank + ": connected generation " + collectives.generation()
                        + " of " + ranks + " ranks");
                return measure(collectives, options);
            }
        }
    }

    private static String measure(TcpCollectives collectives, Options options) {
        int rank = options.rank();
        int ranks = options.ranks();
        long bytes = (long) options.mb() << 20;
        int floats = (int) (bytes / Float.BYTES);
        FloatBuffer data = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < floats; i++) {
            data.put(i, (i % 1000) * 0.001f + rank);
        }
        for (int i = 0; i < options.warmup(); i++) {
            collectives.barrier();
            collectives.allReduce(data, ReduceOp.AVG);
        }
        List<Double> seconds = new ArrayList<>();
        for (int i = 0; i < options.iterations(); i++) {
            collectives.barrier();
            long start = System.nanoTime();
            collectives.allReduce(data, ReduceOp.AVG);
            seconds.add((System.nanoTime() - start) / 1e9);
        }
        verify(collectives, data, floats);
        if (rank != 0) {
            return null;
        }
        double median = median(seconds);
        double busBandwidth = bytes / median * 2.0 * (ranks - 1) / ranks / 1e6;
        return String.format(Locale.ROOT, "{\"impl\":\"spindle\",\"ranks\":%d,\"bytes\":%d,\"seconds\":%.6f,"
                + "\"busBandwidthMBps\":%.1f}", ranks, bytes, median, busBandwidth);
    }

    /** One SUM of known values: every element must come out as 0 + 1 + ... + (R-1) plus R times its pattern. */
    private static void verify(TcpCollectives collectives, FloatBuffer data, int floats) {
        int ranks = collectives.worldSize();
        for (int i = 0; i < floats; i++) {
            data.put(i, (i % 7) + collectives.rank());
        }
        collectives.allReduce(data, ReduceOp.SUM);
        for (int i = 0; i < floats; i++) {
            float expected = ranks * (i % 7) + ranks * (ranks - 1) / 2f;
            if (data.get(i) != expected) {
                throw new IllegalStateException("all-reduce result is wrong at element " + i + ": expected " + expected
                        + ", got " + data.get(i));
            }
        }
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

}

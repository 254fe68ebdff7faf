package dev.spindle.cluster.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.spindle.cluster.dataplane.CollectiveException;
import dev.spindle.cluster.dataplane.DataPlaneListener;
import dev.spindle.cluster.dataplane.PeerAddress;
import dev.spindle.cluster.dataplane.Rendezvous;
import dev.spindle.cluster.dataplane.TcpCollectives;
import dev.spindle.cluster.security.JobSecret;
import dev.spindle.collective.Collectives;
import dev.spindle.collective.ReduceOp;
import dev.spindle.model.gpt.Gpt;
import dev.spindle.model.gpt.GptConfig;
import dev.spindle.model.gpt.GptShard;
import dev.spindle.model.gpt.GptStages;
import dev.spindle.parallel.pipeline.PipelineRunner;
import dev.spindle.parallel.pipeline.PipelineStats;
import dev.spindle.parallel.pipeline.Schedule;
import dev.spindle.train.Batch;
import dev.spindle.train.BatchSource;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * One rank of the tensor- and pipeline-parallel benchmarks of a {@link GptShard}, ranks as separate
 * processes over the TCP data plane ({@code bench/run-mesh-bench.sh} starts them). Rank 0 prints JSON
 * lines on stdout; every rank writes one line to stderr once connected.
 *
 * <ul>
 *   <li>{@code --mode pipeline --ranks P --micro-batches M --schedule gpipe|1f1b}: the model in P stages
 *       ({@link GptStages#balanced}), one {@link PipelineRunner} step after another; first a ping-pong of
 *       one activation between ranks 0 and 1 measures the one-way transfer time. Rank 0 prints one line
 *       per stage: medians over the timed steps of step, compute and wait time and of the idle fraction,
 *       the peak micro-batches and activation bytes held, and the {@link BubbleTarget}.</li>
 *   <li>{@code --mode tensor --ranks T}: the whole model split T ways, one micro-batch per step; the
 *       tensor group is wrapped in a {@link CountingCollectives}. Rank 0 prints the median step time,
 *       the time inside all-reduces, the floats and calls counted against {@link TensorVolume}, and the
 *       first step's loss (equal for every T).</li>
 * </ul>
 * A step is forward and backward only (gradients zeroed after it, no optimizer), each after a barrier.
 *
 * <p>Arguments: {@code --mode pipeline|tensor --rank r --ranks R --peers host:port --secret-file F
 * [--micro-batches M (8)] [--schedule gpipe|1f1b] [--batch B (4)] [--layers L (4)] [--hidden H (128)]
 * [--heads 4] [--context S (64)] [--vocab V (256)] [--steps N (5)] [--warmup W (2)] [--pings K (30)]
 * [--seed 7] [--timeout-seconds 120]}.
 */
public final class MeshBench {

    private MeshBench() {}

    public static void main(String[] argv) {
        MeshBenchOptions options;
        try {
            options = MeshBenchOptions.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("mesh bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            for (String line : run(options)) {
                System.out.println(line);
            }
            System.exit(0);
        } catch (CollectiveException | IOException | IllegalArgumentException | IllegalStateException e) {
            System.err.println("mesh bench rank " + options.rank() + ": " + e);
            System.exit(1);
        }
    }

    /** Runs one rank; returns the lines rank 0 prints (none on other ranks). */
    static List<String> run(MeshBenchOptions options) throws IOException {
        if (options.ranks() == 1) {
            return measure(Collectives.single(), options);
        }
        JobSecret secret = JobSecret.read(options.secretFile());
        Duration timeout = Duration.ofSeconds(options.timeoutSeconds());
        PeerAddress root = options.rank0();
        try (DataPlaneListener listener = DataPlaneListener.bind(root.host(), options.rank() == 0 ? root.port() : 0,
                secret)) {
            List<PeerAddress> peers = Rendezvous.exchange(listener, options.rank(), options.ranks(), root,
                    Rendezvous.BOOTSTRAP_GENERATION, timeout);
            try (TcpCollectives world = listener.connect(Rendezvous.BOOTSTRAP_GENERATION + 1, options.rank(), peers,
                    timeout)) {
                System.err.println("mesh bench rank " + options.rank() + ": connected " + options.ranks() + " ranks");
                return measure(world, options);
            }
        }
    }

    private static List<String> measure(Collectives world, MeshBenchOptions options) {
        Engine.getInstance().setRandomSeed(options.seed());
        try (NDManager manager = NDManager.newBaseManager()) {
            return options.pipeline() ? pipeline(world, options, manager) : tensor(world, options, manager);
        }
    }

    private static List<String> pipeline(Collectives world, MeshBenchOptions options, NDManager manager) {
        GptConfig config = options.config();
        int stages = world.worldSize();
        int stage = world.rank();
        long activationBytes = (long) options.batch() * config.contextLength() * config.hiddenSize() * Float.BYTES;
        double oneWay = pingPong(world, Math.toIntExact(activationBytes), options.pings());
        GptShard shard;
        try (Gpt whole = new Gpt(config, manager)) {
            shard = GptShard.of(whole, 1, 0, GptStages.balanced(config, stages), stage, manager);
        }
        int[] everyone = IntStream.range(0, stages).toArray();
        List<PipelineStats> stats = new ArrayList<>();
        List<Double> cpuSeconds = new ArrayList<>();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (shard;
                Collectives next = world.subGroup(everyone);
                Collectives previous = world.subGroup(everyone);
                PipelineRunner runner = new PipelineRunner(shard, Collectives.single(), world, next, previous,
                        options.schedule(), options.microBatches());
                RandomTokens tokens = new RandomTokens(config, options.batch(), options.seed())) {
            for (int i = 0; i < options.warmup() + options.steps(); i++) {
                world.barrier();
                long cpu0 = threads.getCurrentThreadCpuTime();
                try (NDManager step = manager.newSubManager()) {
                    runner.trainStep(step, tokens);
                }
                long cpu = threads.getCurrentThreadCpuTime() - cpu0;
                zeroGradients(shard);
                if (i >= options.warmup()) {
                    stats.add(runner.stats());
                    cpuSeconds.add(cpu / 1e9);
                }
            }
        }
        // per stage: idle, step s, compute s, wait s, peak micro-batches, peak bytes
        float[] mine = {
            (float) median(stats.stream().mapToDouble(PipelineStats::idleFraction).toArray()),
            (float) median(stats.stream().mapToDouble(s -> s.stepNanos() / 1e9).toArray()),
            (float) median(stats.stream().mapToDouble(s -> s.computeNanos() / 1e9).toArray()),
            (float) median(stats.stream().mapToDouble(s -> s.waitNanos() / 1e9).toArray()),
            stats.stream().mapToInt(PipelineStats::peakMicroBatches).max().orElse(0),
            (float) (stats.stream().mapToLong(PipelineStats::peakActivationBytes).max().orElse(0) / 1024.0),
            (float) median(cpuSeconds.stream().mapToDouble(Double::doubleValue).toArray()),
        };
        float[] all = gather(world, mine);
        if (stage != 0) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        int n = mine.length;
        for (int p = 0; p < stages; p++) {
            double idle = all[p * n];
            double stepSeconds = all[p * n + 1];
            BubbleTarget target = new BubbleTarget(stages, options.microBatches(), oneWay, stepSeconds);
            lines.add(String.format(Locale.ROOT, "{\"mode\":\"pipeline\",\"schedule\":\"%s\",\"stages\":%d,\"stage\":%d,"
                    + "\"microBatches\":%d,\"batch\":%d,\"steps\":%d,\"stepMs\":%.2f,\"computeMs\":%.2f,"
                    + "\"waitMs\":%.2f,\"idle\":%.4f,\"ideal\":%.4f,\"oneWayMs\":%.3f,\"comm\":%.4f,"
                    + "\"idealPlusComm\":%.4f,\"met\":%s,\"peakMicroBatches\":%d,\"peakActivationKiB\":%.0f,"
                    + "\"activationKiB\":%.0f,\"cpuMs\":%.2f}",
                    options.schedule() == Schedule.GPIPE ? "gpipe" : "1f1b", stages, p, options.microBatches(),
                    options.batch(), options.steps(), stepSeconds * 1e3, all[p * n + 2] * 1e3, all[p * n + 3] * 1e3,
                    idle, target.ideal(), oneWay * 1e3, target.communication(), target.idealPlusCommunication(),
                    target.met(idle), (int) all[p * n + 4], all[p * n + 5], activationBytes / 1024.0, all[p * n + 6] * 1e3));
        }
        return lines;
    }

    private static List<String> tensor(Collectives world, MeshBenchOptions options, NDManager manager) {
        GptConfig config = options.config();
        int tensor = world.worldSize();
        GptShard shard;
        try (Gpt whole = new Gpt(config, manager)) {
            shard = GptShard.of(whole, tensor, world.rank(), GptStages.balanced(config, 1), 0, manager);
        }
        CountingCollectives counting = new CountingCollectives(world);
        double[] seconds = new double[options.steps()];
        double[] commSeconds = new double[options.steps()];
        long floats = -1;
        long calls = -1;
        double firstLoss = Double.NaN;
        try (shard;
                PipelineRunner runner = new PipelineRunner(shard, counting, Collectives.single(), Collectives.single(),
                        Collectives.single(), Schedule.GPIPE, 1);
                RandomTokens tokens = new RandomTokens(config, options.batch(), options.seed())) {
            for (int i = 0; i < options.warmup() + options.steps(); i++) {
                world.barrier();
                counting.reset();
                long start = System.nanoTime();
                double loss;
                try (NDManager step = manager.newSubManager()) {
                    loss = runner.trainStep(step, tokens).loss();
                }
                long elapsed = System.nanoTime() - start;
                zeroGradients(shard);
                if (i == 0) {
                    firstLoss = loss;
                }
                if (floats >= 0 && (floats != counting.floats() || calls != counting.calls())) {
                    throw new IllegalStateException("step " + i + " all-reduced " + counting.floats() + " floats in "
                            + counting.calls() + " calls, an earlier step " + floats + " in " + calls);
                }
                floats = counting.floats();
                calls = counting.calls();
                if (i >= options.warmup()) {
                    seconds[i - options.warmup()] = elapsed / 1e9;
                    commSeconds[i - options.warmup()] = counting.nanos() / 1e9;
                }
            }
        }
        int batch = options.batch();
        double isolated = isolatedAllReduce(world, batch * config.contextLength() * config.hiddenSize(),
                options.pings());
        if (world.rank() != 0) {
            return List.of();
        }
        long analytic = TensorVolume.floatsPerStep(config, batch, config.contextLength(), tensor);
        return List.of(String.format(Locale.ROOT, "{\"mode\":\"tensor\",\"impl\":\"spindle\",\"tensor\":%d,\"batch\":%d,"
                + "\"steps\":%d,\"stepMs\":%.2f,\"commMs\":%.2f,\"floats\":%d,\"calls\":%d,\"analyticFloats\":%d,"
                + "\"analyticCalls\":%d,\"ringBytesPerRank\":%d,\"isolatedAllReduceMs\":%.3f,\"firstLoss\":%.6f}",
                tensor, batch, options.steps(), median(seconds) * 1e3, median(commSeconds) * 1e3, floats, calls,
                analytic, TensorVolume.callsPerStep(config, tensor), TensorVolume.ringBytesPerRank(floats, tensor),
                isolated * 1e3, firstLoss));
    }

    /**
     * The one-way time of {@code bytes} between ranks 0 and 1: half the median round trip of
     * {@code pings} ping-pongs after 3 untimed ones; known on every rank afterwards (0 for one rank).
     */
    private static double pingPong(Collectives world, int bytes, int pings) {
        ByteBuffer result = ByteBuffer.allocateDirect(Double.BYTES).order(ByteOrder.nativeOrder());
        if (world.worldSize() > 1 && world.rank() < 2) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
            double[] roundTrips = new double[pings];
            for (int i = -3; i < pings; i++) {
                long start = System.nanoTime();
                if (world.rank() == 0) {
                    world.send(buffer.clear(), 1);
                    world.recv(buffer.clear(), 1);
                } else {
                    world.recv(buffer.clear(), 0);
                    world.send(buffer.clear(), 0);
                }
                if (i >= 0) {
                    roundTrips[i] = (System.nanoTime() - start) / 1e9;
                }
            }
            result.putDouble(0, median(roundTrips) / 2);
        }
        world.broadcast(result, 0);
        return result.getDouble(0);
    }

    /**
     * The median time of one all-reduce of {@code floats} floats (an activation) over {@code pings} runs
     * after 3 untimed ones, each after a barrier, with nothing else running: what the step's all-reduces
     * would cost if the ranks arrived together. 0 for one rank.
     */
    private static double isolatedAllReduce(Collectives world, int floats, int pings) {
        if (world.worldSize() == 1) {
            return 0;
        }
        FloatBuffer data = ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        double[] seconds = new double[pings];
        for (int i = -3; i < pings; i++) {
            world.barrier();
            long start = System.nanoTime();
            world.allReduce(data, ReduceOp.SUM);
            if (i >= 0) {
                seconds[i] = (System.nanoTime() - start) / 1e9;
            }
        }
        return median(seconds);
    }

    /** Every rank's {@code values}, in rank order, on every rank. */
    private static float[] gather(Collectives world, float[] values) {
        FloatBuffer in = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        in.put(values).flip();
        FloatBuffer out = ByteBuffer.allocateDirect(values.length * world.worldSize() * Float.BYTES)
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        world.allGather(in, out);
        float[] all = new float[values.length * world.worldSize()];
        out.get(0, all);
        return all;
    }

    private static void zeroGradients(GptShard shard) {
        for (String name : shard.parameters().names()) {
            JniUtils.zeroGrad((PtNDArray) shard.parameters().get(name));
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** Seeded random token batches of {@code rows} sequences, labels drawn independently. */
    static final class RandomTokens implements BatchSource {
        private final GptConfig config;
        private final int rows;
        private final Random random;
        private int served;

        RandomTokens(GptConfig config, int rows, long seed) {
            this.config = config;
            this.rows = rows;
            this.random = new Random(seed);
        }

        @Override
        public Batch next(NDManager manager) {
            int time = config.contextLength();
            int[] tokens = new int[rows * time];
            int[] labels = new int[rows * time];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = random.nextInt(config.vocabSize());
                labels[i] = random.nextInt(config.vocabSize());
            }
            served++;
            Shape shape = new Shape(rows, time);
            NDArray in = manager.create(tokens, shape);
            return new Batch(in, manager.create(labels, shape), rows, (long) rows * time);
        }

        @Override
        public String cursor() {
            return "{\"served\":" + served + "}";
        }

        @Override
        public void close() {}
    }
}

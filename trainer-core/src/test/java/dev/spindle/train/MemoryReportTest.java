package dev.spindle.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.checkpoint.CheckpointSink;
import dev.spindle.collective.Collectives;
import dev.spindle.collective.InProcessCollectives;
import dev.spindle.model.Model;
import dev.spindle.model.ModelRegistry;
import dev.spindle.model.gpt.Gpt;
import dev.spindle.model.gpt.GptConfig;
import dev.spindle.model.gpt.GptShard;
import dev.spindle.model.gpt.GptStages;
import dev.spindle.optim.AdamW;
import dev.spindle.optim.LrSchedule;
import dev.spindle.optim.Optimizer;
import dev.spindle.parallel.ModelParallel;
import dev.spindle.parallel.mesh.MeshCoordinate;
import dev.spindle.parallel.mesh.MeshGroups;
import dev.spindle.parallel.mesh.MeshShape;
import dev.spindle.parallel.pipeline.PipelineStats;
import dev.spindle.parallel.pipeline.Schedule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MemoryReportTest {

    private static final int FEATURES = 12;
    private static final int HIDDEN = 16;
    private static final int CLASSES = 3;
    private static final int ROWS = 8;

    /** The MLP 12-16-3: two weights and two biases of float32. */
    private static final long MLP_BYTES = (FEATURES * HIDDEN + HIDDEN + HIDDEN * CLASSES + CLASSES) * Float.BYTES;

    private static Model mlp(NDManager manager) {
        Engine.getInstance().setRandomSeed(3);
        var config = new ObjectMapper().createObjectNode().put("inputs", FEATURES).put("classes", CLASSES);
        config.putArray("hidden").add(HIDDEN);
        return ModelRegistry.defaults().create("mlp", config, manager);
    }

    /** The reports of one plain run of {@code steps} steps with {@code accumulation} micro-batches of ROWS rows. */
    private static List<MemoryReport> plainRun(NDManager manager, Model model, Optimizer optimizer, int accumulation,
            long steps) {
        List<MemoryReport> reports = new ArrayList<>();
        Trainer trainer = new Trainer(new TrainerSettings(steps, 5, accumulation, 0, 0, 1, 0, "d"), model, optimizer,
                LrSchedule.constant(0.01), new SyntheticBatches(1, ROWS, FEATURES, CLASSES, 0), null,
                (CheckpointSink) null, Collectives.single(), List.of(recorder(reports)));
        trainer.run(0, steps, () -> false);
        return reports;
    }

    private static TrainListener recorder(List<MemoryReport> reports) {
        return new TrainListener() {
            @Override
            public void onMemory(MemoryReport memory) {
                reports.add(memory);
            }
        };
    }

    @Test
    void plainRunReportsOnceWithTheSumsOfItsArraysBytes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Model model = mlp(manager);
            String frozen = model.parameters().names().get(1);
            long frozenBytes = model.parameters().get(frozen).size() * Float.BYTES;
            model.parameters().freeze(frozen);
            AdamW adamw = new AdamW(manager, 0.9, 0.999, 1e-8, 0.01);
            List<MemoryReport> reports = plainRun(manager, model, adamw, 2, 4);

            assertEquals(1, reports.size(), "one report per run: " + reports);
            MemoryReport m = reports.get(0);
            assertEquals(1, m.step());
            assertEquals(0, m.rank());
            assertEquals(new MeshCoordinate(0, 0, 0), m.coordinate());
            assertEquals(MLP_BYTES, m.parameterBytes(), "every parameter, the frozen one included");
            assertEquals(MLP_BYTES - frozenBytes, m.gradientBytes(), "the trainable parameters only");
            long state = 0;
            for (NDArray array : adamw.state().values()) {
                state += array.size() * array.getDataType().getNumOfBytes();
            }
            assertEquals(state, m.optimizerBytes());
            assertTrue(m.optimizerBytes() >= 2 * m.gradientBytes(), "AdamW keeps two moments: " + m);
            assertEquals(2, m.peakMicroBatches());
            // Each micro-batch holds at least its inputs, the hidden layer's output and the logits.
            long perMicroBatch = (long) ROWS * (FEATURES + HIDDEN + CLASSES) * Float.BYTES;
            assertTrue(m.peakActivationBytes() >= 2 * perMicroBatch, m.summary());
            assertTrue(m.summary().startsWith("rank 0 (data 0, tensor 0, pipeline 0): parameters 0.001 MiB"),
                    m.summary());
        }
    }

    @Test
    void plainActivationsGrowWithTheMicroBatchesHeld() {
        try (NDManager manager = NDManager.newBaseManager()) {
            long one = plainRun(manager, mlp(manager), new AdamW(manager, 0.9, 0.999, 1e-8, 0), 1, 1).get(0)
                    .peakActivationBytes();
            long four = plainRun(manager, mlp(manager), new AdamW(manager, 0.9, 0.999, 1e-8, 0), 4, 1).get(0)
                    .peakActivationBytes();
            // A plain step keeps every micro-batch's arrays until it ends (only a few scalars differ).
            assertTrue(four > 3.8 * one && four < 4.2 * one, "M=1: " + one + " bytes, M=4: " + four + " bytes");
        }
    }

    @Test
    void aResumedRunReportsAgainAfterItsFirstStep() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Model model = mlp(manager);
            List<MemoryReport> reports = new ArrayList<>();
            Trainer trainer = new Trainer(new TrainerSettings(6, 5, 1, 0, 0, 1, 0, "d"), model,
                    new AdamW(manager, 0.9, 0.999, 1e-8, 0), LrSchedule.constant(0.01),
                    new SyntheticBatches(1, ROWS, FEATURES, CLASSES, 0), null, (CheckpointSink) null,
                    Collectives.single(), List.of(recorder(reports)));
            trainer.run(0, 2, () -> false);
            trainer.run(2, 6, () -> false);
            assertEquals(List.of(1L, 3L), reports.stream().map(MemoryReport::step).toList());
        }
    }

    private static final GptConfig CONFIG = new GptConfig(16, 8, 4, 4, 16, true, 0.0, 1e-5);
    private static final int MICRO_BATCHES = 4;

    @Test
    void meshRanksReportTheirShardAndThePipelinesPeak() throws Exception {
        MeshShape shape = new MeshShape(1, 1, 2);
        try (NDManager manager = NDManager.newBaseManager()) {
            List<Collectives> world = InProcessCollectives.group(shape.worldSize(), Duration.ofSeconds(60));
            List<GptShard> shards = new ArrayList<>();
            for (int rank = 0; rank < shape.worldSize(); rank++) {
                MeshCoordinate at = shape.coordinate(rank);
                Engine.getInstance().setRandomSeed(5);
                try (Gpt whole = new Gpt(CONFIG, manager)) {
                    shards.add(GptShard.of(whole, shape.tensor(), at.tensor(),
                            GptStages.balanced(CONFIG, shape.pipeline()), at.pipeline(), manager));
                }
            }
            ExecutorService threads = Executors.newFixedThreadPool(shape.worldSize());
            try {
                List<Future<Object[]>> futures = new ArrayList<>();
                for (int rank = 0; rank < shape.worldSize(); rank++) {
                    Collectives mine = world.get(rank);
                    GptShard shard = shards.get(rank);
                    futures.add(threads.submit(() -> meshRank(manager, mine, shard, shape)));
                }
                for (int rank = 0; rank < shape.worldSize(); rank++) {
                    Object[] result = futures.get(rank).get(5, TimeUnit.MINUTES);
                    @SuppressWarnings("unchecked")
                    List<MemoryReport> reports = (List<MemoryReport>) result[0];
                    PipelineStats stats = (PipelineStats) result[1];
                    long shardBytes = (Long) result[2];
                    assertEquals(1, reports.size());
                    MemoryReport m = reports.get(0);
                    assertEquals(rank, m.rank());
                    assertEquals(shape.coordinate(rank), m.coordinate());
                    assertEquals(shardBytes, m.parameterBytes(), "the stage's shard only");
                    assertEquals(shardBytes, m.gradientBytes());
                    assertTrue(m.optimizerBytes() >= 2 * shardBytes, m.summary());
                    assertTrue(stats.peakActivationBytes() > 0);
                    assertEquals(stats.peakActivationBytes(), m.peakActivationBytes(), "rank " + rank);
                    assertEquals(stats.peakMicroBatches(), m.peakMicroBatches(), "rank " + rank);
                }
            } finally {
                threads.shutdownNow();
            }
        }
    }

    /** One step on one rank: its reports, its runner's stats after the step, and its shard's parameter bytes. */
    private static Object[] meshRank(NDManager parent, Collectives world, GptShard shard, MeshShape shape) {
        List<MemoryReport> reports = new ArrayList<>();
        try (NDManager manager = parent.newSubManager(); shard) {
            long shardBytes = 0;
            for (NDArray array : shard.parameters().asMap().values()) {
                shardBytes += array.size() * Float.BYTES;
            }
            try (ModelParallel mesh = new ModelParallel(MeshGroups.of(world, shape), shard, Schedule.GPIPE,
                    MICRO_BATCHES)) {
                Trainer trainer = new Trainer(new TrainerSettings(1, 42, MICRO_BATCHES, 0, 0, 1, 0, ""), mesh,
                        new AdamW(manager, 0.9, 0.999, 1e-8, 0.01), LrSchedule.constant(1e-2), new Tokens(), null,
                        null, List.of(recorder(reports)));
                trainer.run(0, 1, () -> false);
                return new Object[] {reports, mesh.runner().stats(), shardBytes};
            }
        }
    }

    /** Deterministic token batches of two rows. */
    private static final class Tokens implements BatchSource {
        private int next;

        @Override
        public Batch next(NDManager manager) {
            Random random = new Random(77 + next++);
            int rows = 2;
            int[] tokens = new int[rows * CONFIG.contextLength()];
            int[] labels = new int[tokens.length];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = random.nextInt(CONFIG.vocabSize());
                labels[i] = (tokens[i] * 3 + 1) % CONFIG.vocabSize();
            }
            Shape shape = new Shape(rows, CONFIG.contextLength());
            return new Batch(manager.create(tokens, shape), manager.create(labels, shape), rows,
                    (long) tokens.length);
        }

        @Override
        public String cursor() {
            return "{\"next\":" + next + "}";
        }

        @Override
        public void close() {}
    }
}

package dev.spindle.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.spindle.checkpoint.TensorSlicing;
import dev.spindle.checkpoint.TensorSplit;
import dev.spindle.collective.Collectives;
import dev.spindle.collective.InProcessCollectives;
import dev.spindle.model.gpt.Gpt;
import dev.spindle.model.gpt.GptConfig;
import dev.spindle.model.gpt.GptShard;
import dev.spindle.model.gpt.GptStages;
import dev.spindle.optim.AdamW;
import dev.spindle.optim.LrSchedule;
import dev.spindle.parallel.DataShard;
import dev.spindle.parallel.ModelParallel;
import dev.spindle.parallel.mesh.MeshCoordinate;
import dev.spindle.parallel.mesh.MeshGroups;
import dev.spindle.parallel.mesh.MeshShape;
import dev.spindle.parallel.pipeline.Schedule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The trainer on every rank of a small mesh (threads over in-process collectives) against one
 * trainer on the whole model: after K AdamW steps with gradient clipping, each rank's parameters
 * equal its slice of the whole model's, and the reported losses match step by step.
 */
class MeshTrainerTest {

    private static final GptConfig CONFIG = new GptConfig(16, 8, 4, 4, 16, true, 0.0, 1e-5);
    private static final int STEPS = 3;
    private static final int MICRO_BATCHES = 4;
    private static final int ROWS = 4;
    /** Float rounding differs (partial sums, ring order); Adam's first steps move each weight by ~lr. */
    private static final float TOLERANCE = 2e-5f;

    @Test
    void tensorTwo() throws Exception {
        check(new MeshShape(1, 2, 1), Schedule.ONE_F_ONE_B);
    }

    @Test
    void pipelineTwoWithEitherSchedule() throws Exception {
        check(new MeshShape(1, 1, 2), Schedule.GPIPE);
        check(new MeshShape(1, 1, 2), Schedule.ONE_F_ONE_B);
    }

    @Test
    void dataTwoByPipelineTwo() throws Exception {
        check(new MeshShape(2, 1, 2), Schedule.ONE_F_ONE_B);
    }

    @Test
    void tensorTwoByPipelineTwo() throws Exception {
        check(new MeshShape(1, 2, 2), Schedule.ONE_F_ONE_B);
    }

    private void check(MeshShape shape, Schedule schedule) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<Double> expectedLosses = new ArrayList<>();
            Map<String, NDArray> expected = reference(manager, expectedLosses);
            List<Collectives> world = InProcessCollectives.group(shape.worldSize(), Duration.ofSeconds(60));
            ExecutorService threads = Executors.newFixedThreadPool(shape.worldSize());
            try {
                List<Future<RankResult>> futures = new ArrayList<>();
                // every rank's shard first: the trainers reseed the engine's (global) generator every step
                List<GptShard> shards = new ArrayList<>();
                for (int rank = 0; rank < shape.worldSize(); rank++) {
                    MeshCoordinate at = shape.coordinate(rank);
                    Engine.getInstance().setRandomSeed(5);
                    try (Gpt whole = new Gpt(CONFIG, manager)) {
                        shards.add(GptShard.of(whole, shape.tensor(), at.tensor(),
                                GptStages.balanced(CONFIG, shape.pipeline()), at.pipeline(), manager));
                    }
                }
                for (int rank = 0; rank < shape.worldSize(); rank++) {
                    Collectives mine = world.get(rank);
                    GptShard shard = shards.get(rank);
                    futures.add(threads.submit(() -> trainRank(manager, mine, shard, shape, schedule)));
                }
                for (int rank = 0; rank < shape.worldSize(); rank++) {
                    RankResult result = futures.get(rank).get(5, TimeUnit.MINUTES);
                    String where = shape + " " + schedule + " rank " + rank;
                    for (int step = 0; step < STEPS; step++) {
                        assertEquals(expectedLosses.get(step), result.losses().get(step), 1e-5,
                                where + ": loss of step " + (step + 1));
                    }
                    MeshCoordinate at = shape.coordinate(rank);
                    for (Map.Entry<String, float[]> entry : result.parameters().entrySet()) {
                        TensorSplit split = result.splits().get(entry.getKey());
                        float[] want = TensorSlicing.slice(entry.getKey(), expected.get(entry.getKey()), split, shape.tensor(), at.tensor())
                                .toFloatArray();
                        float[] got = entry.getValue();
                        assertEquals(want.length, got.length, where + " " + entry.getKey());
                        for (int i = 0; i < want.length; i++) {
                            assertEquals(want[i], got[i], TOLERANCE, where + " " + entry.getKey() + "[" + i + "]");
                        }
                    }
                }
            } finally {
                threads.shutdownNow();
            }
        }
    }

    /** One trainer, the whole model, M micro-batches per step. */
    private Map<String, NDArray> reference(NDManager manager, List<Double> losses) {
        Engine.getInstance().setRandomSeed(5);
        Gpt model = new Gpt(CONFIG, manager);
        Trainer trainer = new Trainer(settings(), model, new AdamW(manager, 0.9, 0.999, 1e-8, 0.01),
                LrSchedule.constant(1e-2), new Tokens(), null, (dev.spindle.checkpoint.CheckpointStore) null,
                Collectives.single(), List.of(listener(losses)));
        trainer.run(0, STEPS, () -> false);
        Map<String, NDArray> parameters = new LinkedHashMap<>(model.parameters().asMap());
        assertTrue(losses.size() == STEPS);
        return parameters;
    }

    private RankResult trainRank(NDManager parent, Collectives world, GptShard shard, MeshShape shape,
                                 Schedule schedule) {
        MeshCoordinate at = shape.coordinate(world.rank());
        List<Double> losses = new ArrayList<>();
        try (NDManager manager = parent.newSubManager(); shard) {
            try (ModelParallel mesh = new ModelParallel(MeshGroups.of(world, shape), shard, schedule, MICRO_BATCHES)) {
                Trainer trainer = new Trainer(settings(), mesh, new AdamW(manager, 0.9, 0.999, 1e-8, 0.01),
                        LrSchedule.constant(1e-2), DataShard.of(new Tokens(), at.data(), shape.data()), null, null,
                        List.of(listener(losses)));
                trainer.run(0, STEPS, () -> false);
            }
            Map<String, float[]> parameters = new LinkedHashMap<>();
            shard.parameters().asMap().forEach((name, array) -> parameters.put(name, array.toFloatArray()));
            return new RankResult(losses, parameters, shard.splits());
        }
    }

    private static TrainerSettings settings() {
        return new TrainerSettings(STEPS, 42, MICRO_BATCHES, 0.5, 0, 1, 0, "");
    }

    private static TrainListener listener(List<Double> losses) {
        return new TrainListener() {
            @Override
            public void onStep(StepMetrics metrics) {
                losses.add(metrics.loss());
            }
        };
    }

    private record RankResult(List<Double> losses, Map<String, float[]> parameters, Map<String, TensorSplit> splits) {}

    /** Deterministic token batches of {@link #ROWS} rows: batch i depends on i alone. */
    private static final class Tokens implements BatchSource {
        private int next;

        @Override
        public Batch next(NDManager manager) {
            Random random = new Random(77 + next++);
            int time = CONFIG.contextLength();
            int[] tokens = new int[ROWS * time];
            int[] labels = new int[ROWS * time];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = random.nextInt(CONFIG.vocabSize());
                labels[i] = (tokens[i] * 3 + 1) % CONFIG.vocabSize(); // learnable, so the loss moves
            }
            Shape shape = new Shape(ROWS, time);
            return new Batch(manager.create(tokens, shape), manager.create(labels, shape), ROWS, (long) ROWS * time);
        }

        @Override
        public String cursor() {
            return "{\"next\":" + next + "}";
        }

        @Override
        public void close() {}
    }
}

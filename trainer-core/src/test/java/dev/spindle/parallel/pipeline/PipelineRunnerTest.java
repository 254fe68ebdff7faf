package dev.spindle.parallel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.spindle.collective.Collectives;
import dev.spindle.collective.InProcessCollectives;
import dev.spindle.model.gpt.Gpt;
import dev.spindle.model.gpt.GptConfig;
import dev.spindle.model.gpt.GptShard;
import dev.spindle.model.gpt.GptStages;
import dev.spindle.train.Batch;
import dev.spindle.train.BatchSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pipeline stages as threads over in-process collectives: both schedules must give the whole model's
 * gradients accumulated over the micro-batches, and 1F1B must hold fewer micro-batches than GPipe.
 */
class PipelineRunnerTest {

    private static final GptConfig CONFIG = new GptConfig(16, 8, 4, 2, 16, true, 0.0, 1e-5);
    private static final int MICRO_BATCHES = 6;

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void schedulesOrderPassesAsGpipeAnd1f1bDo() {
        assertEquals("[F0, F1, F2, B0, B1, B2]", Schedule.GPIPE.actions(2, 0, 3).toString());
        assertEquals("[F0, F1, F2, F3, B0, B1, B2, B3]", Schedule.ONE_F_ONE_B.actions(4, 0, 4).toString());
        assertEquals("[F0, F1, F2, F3, B0, F4, B1, B2, B3, B4]", Schedule.ONE_F_ONE_B.actions(4, 0, 5).toString());
        assertEquals("[F0, B0, F1, B1, F2, B2, F3, B3]", Schedule.ONE_F_ONE_B.actions(4, 3, 4).toString());
        for (int stage = 0; stage < 4; stage++) {
            assertEquals(8, Schedule.GPIPE.inFlight(4, stage, 8));
            assertEquals(4 - stage, Schedule.ONE_F_ONE_B.inFlight(4, stage, 8));
        }
        assertEquals(3.0 / 11.0, Schedule.idealBubble(4, 8), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Schedule.GPIPE.actions(2, 2, 4));
    }

    @Test
    void bothSchedulesAccumulateTheWholeModelsGradients() throws Exception {
        Engine.getInstance().setRandomSeed(11);
        try (Gpt model = new Gpt(CONFIG, manager)) {
            Map<String, float[]> expected = new LinkedHashMap<>();
            double expectedLoss = reference(model, expected);
            for (Schedule schedule : Schedule.values()) {
                List<Collectives> pipeline = InProcessCollectives.group(2, Duration.ofSeconds(20));
                ExecutorService threads = Executors.newFixedThreadPool(2);
                try {
                    List<Future<Result>> results = new ArrayList<>();
                    for (int p = 0; p < 2; p++) {
                        int stage = p;
                        results.add(threads.submit(() -> runStage(model, pipeline.get(stage), stage, schedule)));
                    }
                    Result first = results.get(0).get();
                    Result last = results.get(1).get();
                    assertEquals(expectedLoss, first.loss(), 1e-6, schedule + ": loss on the first stage");
                    assertEquals(expectedLoss, last.loss(), 1e-6, schedule + ": loss on the last stage");
                    Map<String, float[]> combined = new LinkedHashMap<>(first.gradients());
                    last.gradients().forEach((name, gradient) -> combined.merge(name, gradient, (a, b) -> {
                        float[] sum = a.clone();
                        for (int i = 0; i < sum.length; i++) {
                            sum[i] += b[i]; // the tied embedding: its two copies' gradients add up
                        }
                        return sum;
                    }));
                    assertEquals(expected.keySet(), combined.keySet());
                    for (String name : expected.keySet()) {
                        float[] e = expected.get(name);
                        float[] a = combined.get(name);
                        for (int i = 0; i < e.length; i++) {
                            assertEquals(e[i], a[i], 1e-6, schedule + " " + name + "[" + i + "]");
                        }
                    }
                    int heldFirst = first.stats().peakMicroBatches();
                    assertEquals(schedule == Schedule.GPIPE ? MICRO_BATCHES : 2, heldFirst, schedule + ": stage 0 held");
                    assertEquals(schedule == Schedule.GPIPE ? MICRO_BATCHES : 1, last.stats().peakMicroBatches());
                    assertEquals(2, first.stats().stages());
                } finally {
                    threads.shutdownNow();
                }
            }
        }
    }

    private Result runStage(Gpt model, Collectives pipeline, int stage, Schedule schedule) {
        try (NDManager local = manager.newSubManager();
                GptShard shard = GptShard.of(model, 1, 0, GptStages.balanced(CONFIG, 2), stage, local);
                PipelineRunner runner = new PipelineRunner(shard, Collectives.single(), pipeline, pipeline, pipeline,
                        schedule, MICRO_BATCHES);
                NDManager step = local.newSubManager()) {
            PipelineRunner.Step done = runner.trainStep(step, new TokenBatches(CONFIG, 3));
            Map<String, float[]> gradients = new LinkedHashMap<>();
            for (String name : shard.parameters().names()) {
                try (NDArray gradient = shard.parameters().get(name).getGradient()) {
                    gradients.put(name, gradient.toFloatArray());
                }
            }
            return new Result(done.loss(), gradients, runner.stats());
        }
    }

    /** The whole model over the same micro-batches, each loss weighted 1/M: the mean loss and the gradients. */
    private double reference(Gpt model, Map<String, float[]> gradients) {
        TokenBatches batches = new TokenBatches(CONFIG, 3);
        double lossSum = 0;
        try (NDManager step = manager.newSubManager()) {
            for (int i = 0; i < MICRO_BATCHES; i++) {
                Batch batch = batches.next(step);
                JniUtils.setGradMode(true);
                NDArray loss = model.loss(model.forward(batch.inputs(), true), batch.labels());
                NDArray weighted = loss.mul(step.full(new Shape(), 1f / MICRO_BATCHES, DataType.FLOAT32));
                JniUtils.setGradMode(false);
                lossSum += loss.getFloat();
                JniUtils.backward((PtNDArray) weighted, (PtNDArray) step.ones(new Shape()), false, false);
            }
        }
        for (String name : model.parameters().names()) {
            NDArray parameter = model.parameters().get(name);
            try (NDArray gradient = parameter.getGradient()) {
                gradients.put(name, gradient.toFloatArray());
            }
            JniUtils.zeroGrad((PtNDArray) parameter);
        }
        return lossSum / MICRO_BATCHES;
    }

    private record Result(double loss, Map<String, float[]> gradients, PipelineStats stats) {}

    /** Deterministic token batches: batch i depends on i alone. */
    static final class TokenBatches implements BatchSource {
        private final GptConfig config;
        private final int rows;
        private int next;

        TokenBatches(GptConfig config, int rows) {
            this.config = config;
            this.rows = rows;
        }

        @Override
        public Batch next(NDManager manager) {
            Random random = new Random(1000 + next++);
            int time = config.contextLength();
            int[] tokens = new int[rows * time];
            int[] labels = new int[rows * time];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = random.nextInt(config.vocabSize());
                labels[i] = random.nextInt(config.vocabSize());
            }
            Shape shape = new Shape(rows, time);
            return new Batch(manager.create(tokens, shape), manager.create(labels, shape), rows, (long) rows * time);
        }

        @Override
        public String cursor() {
            return "{\"next\":" + next + "}";
        }

        @Override
        public void close() {}
    }
}

package dev.spindle.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointSink;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.ParametersDigest;
import dev.spindle.collective.Collectives;
import dev.spindle.model.Model;
import dev.spindle.model.ModelRegistry;
import dev.spindle.optim.AdamW;
import dev.spindle.optim.LrSchedule;
import dev.spindle.optim.Optimizer;
import dev.spindle.optim.Sgd;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

    private static final int FEATURES = 12;
    private static final int CLASSES = 3;

    @TempDir
    Path dir;

    /** One run's model, optimizer and recorded losses. */
    private record Run(Model model, Optimizer optimizer, List<StepMetrics> steps, TrainResult result) {}

    private Model mlp(NDManager manager, long seed) {
        Engine.getInstance().setRandomSeed(Trainer.engineSeed(seed, -1));
        var config = new ObjectMapper().createObjectNode().put("inputs", FEATURES).put("classes", CLASSES);
        config.putArray("hidden").add(16);
        return ModelRegistry.defaults().create("mlp", config, manager);
    }

    private Run run(NDManager manager, TrainerSettings settings, int batchSize, boolean sgd,
            CheckpointStore store, long start, long stopAt, Runnable beforeRun) throws IOException {
        Model model = mlp(manager, settings.seed());
        Optimizer optimizer = sgd ? new Sgd(manager, 0.9, true, 0.01) : new AdamW(manager, 0.9, 0.999, 1e-8, 0.01);
        List<StepMetrics> steps = new ArrayList<>();
        TrainListener recorder = new TrainListener() {
            @Override
            public void onStep(StepMetrics metrics) {
                steps.add(metrics);
            }
        };
        long cursor = 0;
        Trainer probe = null;
        if (start > 0) {
            var latest = store.latest().orElseThrow();
            assertEquals(start, latest.step());
            try (NDManager restore = manager.newSubManager()) {
                var loaded = store.load(latest, restore);
                cursor = SyntheticBatches.position(loaded.state().dataCursor());
                probe = trainer(settings, model, optimizer, batchSize, cursor, store, recorder);
                assertEquals(start, probe.restore(loaded));
            }
        } else {
            probe = trainer(settings, model, optimizer, batchSize, cursor, store, recorder);
        }
        beforeRun.run();
        TrainResult result = probe.run(start, stopAt, () -> false);
        return new Run(model, optimizer, steps, result);
    }

    private Trainer trainer(TrainerSettings settings, Model model, Optimizer optimizer, int batchSize,
            long cursor, CheckpointStore store, TrainListener listener) {
        return new Trainer(settings, model, optimizer, LrSchedule.warmupCosine(0.05, 2, settings.totalSteps(), 0.1),
                new SyntheticBatches(7, batchSize, FEATURES, CLASSES, cursor), null, store,
                Collectives.single(), List.of(listener));
    }

    private static TrainerSettings settings(long steps, int accumulation, int checkpointEvery) {
        return new TrainerSettings(steps, 5, accumulation, 1.0, 0, 1, checkpointEvery, "sha256:test");
    }

    @Test
    void lossFallsOnALearnableTask() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Run run = run(manager, settings(60, 1, 0), 32, false, null, 0, Long.MAX_VALUE, () -> {});
            double first = run.steps().get(0).loss();
            double last = run.steps().get(run.steps().size() - 1).loss();
            assertEquals(60, run.result().finalStep());
            assertTrue(last < first * 0.7, "loss " + first + " -> " + last);
            assertTrue(run.steps().get(0).samplesPerSec() > 0);
        }
    }

    @Test
    void resumingFromACheckpointRepeatsTheStraightRunBitForBit() throws IOException {
        for (boolean sgd : new boolean[] {false, true}) {
            try (NDManager manager = NDManager.newBaseManager()) {
                CheckpointStore straightStore = CheckpointStore.open(dir.resolve("straight-" + sgd), 2);
                Run straight = run(manager, settings(12, 2, 0), 8, sgd, straightStore, 0, Long.MAX_VALUE, () -> {});

                CheckpointStore store = CheckpointStore.open(dir.resolve("resumed-" + sgd), 2);
                Run first = run(manager, settings(12, 2, 3), 8, sgd, store, 0, 7, () -> {});
                assertEquals(7, first.result().finalStep());
                assertTrue(first.result().stoppedEarly());
                Run second = run(manager, settings(12, 2, 3), 8, sgd, store, 7, Long.MAX_VALUE, () -> {});

                assertEquals(ParametersDigest.of(straight.model().parameters().asMap()),
                        ParametersDigest.of(second.model().parameters().asMap()), "sgd=" + sgd);
                double[] expected = straight.steps().subList(7, 12).stream().mapToDouble(StepMetrics::loss).toArray();
                double[] actual = second.steps().stream().mapToDouble(StepMetrics::loss).toArray();
                assertArrayEquals(expected, actual, 0.0, "losses after the resume point, sgd=" + sgd);
                CheckpointInfo last = second.result().lastCheckpoint().orElseThrow();
                assertEquals(straight.result().lastCheckpoint().orElseThrow().parametersDigest(), last.parametersDigest());
            }
        }
    }

    @Test
    void accumulatingTwoHalfBatchesMatchesOneFullBatch() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            // Batch i of the half-size stream is not half of batch i of the full stream, so compare
            // gradients of the same rows: one step over two micro-batches of 8 against a model fed
            // the same 16 rows at once.
            Model accumulated = mlp(manager, 3);
            Model whole = mlp(manager, 3);
            SyntheticBatches halves = new SyntheticBatches(9, 8, FEATURES, CLASSES, 0);
            Optimizer sgdA = new Sgd(manager, 0, false, 0);
            Optimizer sgdB = new Sgd(manager, 0, false, 0);
            new Trainer(new TrainerSettings(1, 3, 2, 0, 0, 1, 0, "d"), accumulated, sgdA, LrSchedule.constant(0.1),
                    halves, null, (CheckpointSink) null, Collectives.single(), List.of()).run(0, 1, () -> false);
            try (NDManager batchManager = manager.newSubManager()) {
                SyntheticBatches again = new SyntheticBatches(9, 8, FEATURES, CLASSES, 0);
                Batch a = again.next(batchManager);
                Batch b = again.next(batchManager);
                Batch both = new Batch(a.inputs().concat(b.inputs()), a.labels().concat(b.labels()), 16, 0);
                BatchSource once = new BatchSource() {
                    @Override
                    public Batch next(NDManager m) {
                        return both;
                    }

                    @Override
                    public String cursor() {
                        return "{}";
                    }

                    @Override
                    public void close() {}
                };
                new Trainer(new TrainerSettings(1, 3, 1, 0, 0, 1, 0, "d"), whole, sgdB, LrSchedule.constant(0.1),
                        once, null, (CheckpointSink) null, Collectives.single(), List.of()).run(0, 1, () -> false);
            }
            for (Map.Entry<String, NDArray> e : accumulated.parameters().asMap().entrySet()) {
                NDArray other = whole.parameters().get(e.getKey());
                assertTrue(e.getValue().allClose(other, 1e-5, 1e-6, false), e.getKey());
            }
        }
    }

    @Test
    void stepsLeaveNoArraysBehind() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Model model = mlp(manager, 1);
            Optimizer optimizer = new AdamW(manager, 0.9, 0.999, 1e-8, 0.01);
            Trainer trainer = new Trainer(settings(40, 2, 0), model, optimizer, LrSchedule.constant(0.01),
                    new SyntheticBatches(1, 8, FEATURES, CLASSES, 0), null, (CheckpointSink) null,
                    Collectives.single(), List.of());
            trainer.run(0, 5, () -> false);
            int afterWarmUp = manager.getManagedArrays().size();
            trainer.run(5, 40, () -> false);
            assertEquals(afterWarmUp, manager.getManagedArrays().size(), "live arrays after 35 more steps");
        }
    }

    @Test
    void aStopRequestEndsTheRunWithACheckpointOfTheLastStep() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            CheckpointStore store = CheckpointStore.open(dir.resolve("stop"), 2);
            TrainResult result = runUntilStopAfter(4, manager, store, 0);
            assertTrue(result.stoppedEarly());
            assertEquals(4, result.finalStep());
            assertEquals(4, store.latest().orElseThrow().step());
            assertEquals("{\"next\":4}", store.load(store.latest().orElseThrow(), manager).state().dataCursor());
        }
    }

    @Test
    void aStopRightAfterAPeriodicCheckpointDoesNotWriteItTwice() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            CheckpointStore store = CheckpointStore.open(dir.resolve("stop-at-checkpoint"), 5);
            TrainResult result = runUntilStopAfter(4, manager, store, 2);
            assertEquals(4, result.finalStep());
            assertEquals(4, result.lastCheckpoint().orElseThrow().step());
            assertEquals(List.of(2L, 4L), store.list().stream().map(c -> c.step()).toList());
        }
    }

    /** A 100-step run that a stop request ends after {@code steps} steps. */
    private TrainResult runUntilStopAfter(int steps, NDManager manager, CheckpointStore store, int checkpointEvery) {
        List<StepMetrics> seen = new ArrayList<>();
        Trainer trainer = new Trainer(settings(100, 1, checkpointEvery), mlp(manager, 1),
                new AdamW(manager, 0.9, 0.999, 1e-8, 0), LrSchedule.constant(0.01),
                new SyntheticBatches(1, 8, FEATURES, CLASSES, 0), null, store, Collectives.single(),
                List.of(new TrainListener() {
                    @Override
                    public void onStep(StepMetrics metrics) {
                        seen.add(metrics);
                    }
                }));
        return trainer.run(0, Long.MAX_VALUE, () -> seen.size() >= steps);
    }
}

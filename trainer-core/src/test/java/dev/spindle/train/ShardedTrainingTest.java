package dev.spindle.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointSink;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.ShardReceipt;
import dev.spindle.collective.Collectives;
import dev.spindle.model.Model;
import dev.spindle.model.ModelRegistry;
import dev.spindle.optim.LrSchedule;
import dev.spindle.optim.Sgd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the trainer does for data-parallel workers: loss scales and checkpoints committed elsewhere. */
class ShardedTrainingTest {

    private static final int FEATURES = 12;
    private static final int CLASSES = 3;

    @TempDir
    Path dir;

    @Test
    void aLossScaleScalesTheGradientButNotTheReportedLoss() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // Plain SGD: lr * (2 * gradient) is the step of 2 * lr on the unscaled gradient.
            List<StepMetrics> scaled = new ArrayList<>();
            Model a = train(manager, 2.0, 0.05, scaled);
            List<StepMetrics> plain = new ArrayList<>();
            Model b = train(manager, 1.0, 0.1, plain);

            for (Map.Entry<String, NDArray> entry : a.parameters().asMap().entrySet()) {
                NDArray other = b.parameters().get(entry.getKey());
                assertTrue(entry.getValue().allClose(other, 1e-5, 1e-6, false), entry.getKey());
            }
            assertEquals(plain.get(0).loss(), scaled.get(0).loss(), "the first step's loss, before any update");
            for (int i = 1; i < plain.size(); i++) {
                assertEquals(plain.get(i).loss(), scaled.get(i).loss(), 1e-5, "loss of step " + (i + 1));
            }
        }
    }

    @Test
    void checkpointsTheSinkLeavesUncommittedAreNotAnnounced() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            CheckpointStore store = CheckpointStore.open(dir.resolve("shards"), 5);
            List<ShardReceipt> receipts = new ArrayList<>();
            CheckpointSink worker = (layout, parameters, optimizerState, state) -> {
                receipts.add(store.writeShard(0, 1, layout, parameters, optimizerState, state));
                return Optional.empty(); // the coordinator commits
            };
            List<CheckpointInfo> announced = new ArrayList<>();
            TrainResult result = trainer(manager, worker, announced).run(0, Long.MAX_VALUE, () -> false);

            assertEquals(List.of(2L, 4L, 5L), receipts.stream().map(ShardReceipt::step).toList());
            assertEquals(List.of(), announced);
            assertEquals(Optional.empty(), result.lastCheckpoint());
            assertTrue(store.latest().isEmpty(), "nothing is committed until the coordinator commits");
            assertEquals(5, store.commit(List.of(receipts.get(2))).step());
        }
    }

    @Test
    void aStoreSinkAnnouncesEveryCommittedCheckpoint() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            CheckpointStore store = CheckpointStore.open(dir.resolve("local"), 5);
            List<CheckpointInfo> announced = new ArrayList<>();
            TrainResult result = trainer(manager, CheckpointSink.of(store), announced)
                    .run(0, Long.MAX_VALUE, () -> false);

            assertEquals(List.of(2L, 4L, 5L), announced.stream().map(CheckpointInfo::step).toList());
            assertEquals(store.latest(), result.lastCheckpoint());
        }
    }

    private Trainer trainer(NDManager manager, CheckpointSink sink, List<CheckpointInfo> announced) {
        TrainListener listener = new TrainListener() {
            @Override
            public void onCheckpoint(CheckpointInfo checkpoint) {
                announced.add(checkpoint);
            }
        };
        return new Trainer(new TrainerSettings(5, 3, 1, 0, 0, 1, 2, "sha256:test"), mlp(manager),
                new Sgd(manager, 0, false, 0), LrSchedule.constant(0.1),
                new SyntheticBatches(4, 8, FEATURES, CLASSES, 0), null, sink, Collectives.single(),
                List.of(listener));
    }

    private Model train(NDManager manager, double lossScale, double lr, List<StepMetrics> steps) {
        Model model = mlp(manager);
        BatchSource batches = new SyntheticBatches(3, 8, FEATURES, CLASSES, 0);
        BatchSource weighted = new BatchSource() {
            @Override
            public Batch next(NDManager m) {
                Batch batch = batches.next(m);
                return new Batch(batch.inputs(), batch.labels(), batch.samples(), batch.tokens(), lossScale);
            }

            @Override
            public String cursor() {
                return batches.cursor();
            }

            @Override
            public void close() {}
        };
        TrainListener recorder = new TrainListener() {
            @Override
            public void onStep(StepMetrics metrics) {
                steps.add(metrics);
            }
        };
        new Trainer(new TrainerSettings(4, 3, 1, 0, 0, 1, 0, "d"), model, new Sgd(manager, 0, false, 0),
                LrSchedule.constant(lr), weighted, null, (CheckpointSink) null, Collectives.single(),
                List.of(recorder)).run(0, 4, () -> false);
        return model;
    }

    private static Model mlp(NDManager manager) {
        Engine.getInstance().setRandomSeed(Trainer.engineSeed(3, -1));
        var config = new ObjectMapper().createObjectNode().put("inputs", FEATURES).put("classes", CLASSES);
        config.putArray("hidden").add(16);
        return ModelRegistry.defaults().create("mlp", config, manager);
    }
}

package dev.spindle.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.LoadedCheckpoint;
import dev.spindle.checkpoint.ParametersDigest;
import dev.spindle.collective.Collectives;
import dev.spindle.model.Model;
import dev.spindle.model.ModelRegistry;
import dev.spindle.optim.AdamW;
import dev.spindle.optim.LrSchedule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints of a run whose base is frozen hold the trainable parameters only and name the base by digest. */
class FrozenBaseCheckpointTest {

    @TempDir
    Path dir;

    private static Model mlp(NDManager manager) {
        Engine.getInstance().setRandomSeed(Trainer.engineSeed(5, -1));
        var config = new ObjectMapper().createObjectNode().put("inputs", 12).put("classes", 3);
        config.putArray("hidden").add(16);
        Model model = ModelRegistry.defaults().create("mlp", config, manager);
        model.parameters().freeze("layers.0.weight");
        model.parameters().freeze("layers.0.bias");
        return model;
    }

    private static String frozenDigest(Model model) {
        return ParametersDigest.of(java.util.Map.of("layers.0.weight", model.parameters().get("layers.0.weight"),
                "layers.0.bias", model.parameters().get("layers.0.bias")));
    }

    private static Trainer trainer(Model model, TrainerSettings settings, CheckpointStore store, NDManager m) {
        return new Trainer(settings, model, new AdamW(m, 0.9, 0.999, 1e-8, 0.01), LrSchedule.constant(0.05),
                new SyntheticBatches(7, 8, 12, 3, 0), null, store, Collectives.single(), List.of());
    }

    @Test
    void savesTrainableParametersOnlyAndRefusesAnotherBase() throws IOException {
        TrainerSettings plain = new TrainerSettings(4, 5, 1, 0, 0, 1, 0, "d");
        CheckpointStore store = CheckpointStore.open(dir.resolve("ckpt"), 3);
        try (NDManager manager = NDManager.newBaseManager()) {
            Model model = mlp(manager);
            String base = frozenDigest(model);
            float[] frozenBefore = model.parameters().get("layers.0.weight").toFloatArray();
            IllegalStateException noDigest = assertThrows(IllegalStateException.class,
                    () -> trainer(model, plain, store, manager).run(0, 4, () -> false));
            assertTrue(noDigest.getMessage().contains("withBaseParametersDigest"), noDigest.getMessage());

            TrainerSettings settings = plain.withBaseParametersDigest(base);
            CheckpointStore fresh = CheckpointStore.open(dir.resolve("ckpt2"), 3);
            trainer(model, settings, fresh, manager).run(0, 4, () -> false);
            assertArrayEquals(frozenBefore, model.parameters().get("layers.0.weight").toFloatArray());
            LoadedCheckpoint loaded = fresh.load(fresh.latest().orElseThrow(), manager);
            assertEquals(Set.of("layers.1.weight", "layers.1.bias"), loaded.parameters().keySet());
            assertEquals(base, loaded.state().baseParametersDigest());
            Set<String> stateOf = new TreeSet<>();
            loaded.optimizerState().keySet().forEach(k -> stateOf.add(k.substring(k.indexOf('/') + 1)));
            assertEquals(Set.of("layers.1.weight", "layers.1.bias"), stateOf);

            Model again = mlp(manager);
            assertEquals(4, trainer(again, settings, fresh, manager).restore(loaded));
            assertArrayEquals(model.parameters().get("layers.1.weight").toFloatArray(),
                    again.parameters().get("layers.1.weight").toFloatArray());
            IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                    () -> trainer(again, plain.withBaseParametersDigest("0".repeat(64)), fresh, manager)
                            .restore(loaded));
            assertTrue(other.getMessage().contains("was made on base parameters " + base), other.getMessage());
        }
    }

    @Test
    void aFullRunStillSavesEveryParameterWithoutABaseDigest() throws IOException {
        CheckpointStore store = CheckpointStore.open(dir.resolve("full"), 3);
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(Trainer.engineSeed(5, -1));
            var config = new ObjectMapper().createObjectNode().put("inputs", 12).put("classes", 3);
            config.putArray("hidden").add(16);
            Model model = ModelRegistry.defaults().create("mlp", config, manager);
            trainer(model, new TrainerSettings(2, 5, 1, 0, 0, 1, 0, "d"), store, manager).run(0, 2, () -> false);
            LoadedCheckpoint loaded = store.load(store.latest().orElseThrow(), manager);
            assertEquals(new TreeSet<>(model.parameters().names()), loaded.parameters().keySet());
            assertNull(loaded.state().baseParametersDigest());
        }
    }
}

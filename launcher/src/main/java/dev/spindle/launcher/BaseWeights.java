package dev.spindle.launcher;

import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the full-model safetensors file that a fine-tuning run starts from: a file as is, a
 * checkpoint directory ({@code step-00000600/}) or a run directory, whose newest valid checkpoint
 * is used. Checkpoints are looked up through {@link CheckpointStore}, so only committed ones count.
 *
 * <pre>{@code
 * Path weights = BaseWeights.resolve(Path.of("runs/gpt-licenses"));   // .../step-00000600/model.safetensors
 * }</pre>
 */
public final class BaseWeights {

    /** The model file of a checkpoint directory (checkpoint format v1). */
    public static final String MODEL_FILE = "model.safetensors";
    private static final String MANIFEST = "manifest.json";

    private BaseWeights() {}

    /**
     * The safetensors file {@code location} stands for.
     *
     * @throws JobException when it is none of the three, or a run directory has no checkpoint
     */
    public static Path resolve(Path location) throws IOException {
        if (Files.isRegularFile(location)) {
            return location;
        }
        if (Files.isRegularFile(location.resolve(MANIFEST)) && Files.isRegularFile(location.resolve(MODEL_FILE))) {
            return location.resolve(MODEL_FILE);
        }
        for (Path store : new Path[] {location.resolve("checkpoints"), location}) {
            if (Files.isDirectory(store)) {
                Optional<CheckpointInfo> latest = CheckpointStore.open(store, 1).latest();
                if (latest.isPresent()) {
                    Path model = latest.get().directory().resolve(MODEL_FILE);
                    if (!Files.isRegularFile(model)) {
                        throw new JobException("base weights " + location + ": checkpoint " + latest.get().directory()
                                + " was written by a tensor × pipeline mesh and holds the model in parts"
                                + " (model-t<t>-p<p>.safetensors); fine-tuning starts from a whole model, so train"
                                + " the base with tensor and pipeline 1 or point at a safetensors file");
                    }
                    return model;
                }
            }
        }
        throw new JobException("base weights " + location + ": not a safetensors file, a checkpoint directory"
                + " (with " + MANIFEST + ") or a run directory with a committed checkpoint; train the base first"
                + " or point at its run directory");
    }
}

package dev.spindle.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads one checkpoint, after checking its manifest and every file's size and SHA-256: the whole model of
 * a version 1 checkpoint; one place's files as they are, the whole model gathered from every place, or a
 * place of another mesh cut from the gathered model (resharding). Intermediate arrays live in a
 * sub-manager that is closed before returning; results are attached to the caller's manager.
 */
final class ShardReader {

    private final CheckpointStorage storage;
    private final Path directory;
    private final Manifest manifest;
    private final CheckpointInfo info;
    private final TrainState state;

    private ShardReader(CheckpointStorage storage, Path directory, Manifest manifest, CheckpointInfo info,
                        TrainState state) {
        this.storage = storage;
        this.directory = directory;
        this.manifest = manifest;
        this.info = info;
        this.state = state;
    }

    /**
     * The reader of {@code info}'s checkpoint, its manifest, files and {@code state.json} checked.
     *
     * @throws CheckpointCorruptException naming the first file on any mismatch
     * @throws UnsupportedCheckpointFormatException if a newer format wrote it
     */
    static ShardReader open(CheckpointStorage storage, CheckpointInfo info) throws IOException {
        Path directory = info.directory();
        Manifest manifest = StepDirectory.readManifest(storage, directory);
        if (manifest.step() != info.step()) {
            throw new CheckpointCorruptException(directory.resolve(StepDirectory.MANIFEST), "says step "
                    + manifest.step() + " but the checkpoint asked for is step " + info.step());
        }
        List<StepDirectory.Problem> problems = StepDirectory.checkFiles(storage, directory, manifest, true);
        if (!problems.isEmpty()) {
            StepDirectory.Problem first = problems.get(0);
            throw new CheckpointCorruptException(first.file(), first.message()
                    + (problems.size() > 1 ? "; also " + problems.subList(1, problems.size()) : ""));
        }
        Path stateFile = directory.resolve(StepDirectory.STATE);
        TrainState state = CheckpointJson.readState(stateFile, storage.readAllBytes(stateFile));
        if (state.step() != manifest.step()) {
            throw new CheckpointCorruptException(stateFile, "says step " + state.step() + " but manifest.json says "
                    + manifest.step());
        }
        CheckpointInfo current = CheckpointStore.info(directory, manifest,
                storage.size(directory.resolve(StepDirectory.MANIFEST)));
        return new ShardReader(storage, directory, manifest, current, state);
    }

    /** True for a checkpoint split by tensor or pipeline parallelism (format version 2). */
    boolean mesh() {
        return manifest.mesh();
    }

    /** "tensor=2 × pipeline=1", for messages. */
    String describeMesh() {
        return "tensor=" + manifest.tensor() + " × pipeline=" + manifest.pipeline();
    }

    /** A whole-model (version 1) checkpoint: {@code model.safetensors}, checked against the manifest's digest. */
    LoadedCheckpoint whole(NDManager manager) throws IOException {
        Path modelFile = directory.resolve(StepDirectory.MODEL);
        Map<String, NDArray> parameters = TensorFile.read(storage, modelFile, manager);
        Map<String, NDArray> optimizerState;
        try {
            String digest = ParametersDigest.of(parameters);
            if (!digest.equals(manifest.parametersDigest())) {
                throw new CheckpointCorruptException(modelFile, "decodes to parameters with digest " + digest
                        + "; manifest.json says " + manifest.parametersDigest());
            }
            optimizerState = TensorFile.read(storage, directory.resolve(StepDirectory.OPTIMIZER), manager);
        } catch (IOException | RuntimeException e) {
            parameters.values().forEach(NDArray::close);
            throw e;
        }
        return new LoadedCheckpoint(info, parameters, optimizerState, state);
    }

    /**
     * How optimizer tensor {@code key} is split: a {@code <kind>/<parameter>} tensor of the parameter's
     * shape like the parameter, anything else (step counts, scalars, unknown keys) replicated.
     */
    static TensorSplit stateSplit(String key, Shape shape, Map<String, TensorSplit> parameterSplits,
                                  Function<String, Shape> parameterShape) {
        int slash = key.indexOf('/');
        TensorSplit split = slash < 0 ? null : parameterSplits.get(key.substring(slash + 1));
        if (split == null || split.replicated()) {
            return TensorSplit.REPLICATED;
        }
        return shape.equals(parameterShape.apply(key.substring(slash + 1))) ? split : TensorSplit.REPLICATED;
    }

    /** Every parameter and optimizer tensor, whole. */
    LoadedCheckpoint gathered(NDManager manager) throws IOException {
        if (!manifest.mesh()) {
            return whole(manager);
        }
        try (NDManager scratch = manager.newSubManager()) {
            Map<String, NDArray> parameters = new TreeMap<>();
            Map<String, NDArray> optimizerState = new TreeMap<>();
            for (int p = 0; p < manifest.pipeline(); p++) {
                List<Place> stage = new ArrayList<>();
                for (int t = 0; t < manifest.tensor(); t++) {
                    stage.add(readPlace(t, p, scratch));
                }
                // A name in several stages (a tied embedding) is taken from the first stage holding it.
                join(stage, Place::parameterSplits, Place::parameters, parameters);
                join(stage, Place::stateSplits, Place::optimizerState, optimizerState);
            }
            return attached(parameters, optimizerState, manager);
        }
    }

    /** The place {@code layout} describes, read directly when the checkpoint has it, else resharded. */
    LoadedCheckpoint shard(ShardLayout layout, NDManager manager) throws IOException {
        ShardPlace target = layout.place();
        if (!manifest.mesh() && target.unsplit() && layout.splits().isEmpty()) {
            return whole(manager);
        }
        try (NDManager scratch = manager.newSubManager()) {
            Set<String> stage = null;
            if (manifest.mesh() && manifest.pipeline() == target.pipelineSize()) {
                Place place = readPlace(manifest.tensor() == target.tensorSize() ? target.tensorRank() : 0,
                        target.pipelineStage(), scratch);
                boolean sameSplits = place.parameterSplits().entrySet().stream()
                        .allMatch(stored -> layout.split(stored.getKey()).equals(stored.getValue()));
                if (manifest.tensor() == target.tensorSize() && (layout.splits().isEmpty() || sameSplits)) {
                    return attached(place.parameters(), place.optimizerState(), manager);
                }
                stage = place.parameterSplits().keySet();
            }
            return resharded(layout, names(layout, stage), gathered(scratch), manager);
        }
    }

    /**
     * The parameters of the target place ({@code null}: every one, when there is one stage); with the
     * checkpoint's number of stages those its stage held (and any the layout adds); else the layout must
     * list them.
     */
    private Set<String> names(ShardLayout layout, Set<String> sameStage) {
        ShardPlace target = layout.place();
        Set<String> names = new TreeSet<>(layout.splits().keySet());
        if (sameStage != null) {
            names.addAll(sameStage);
        } else if (target.pipelineSize() > 1 && names.isEmpty()) {
            throw new IllegalArgumentException("checkpoint " + directory + " was written by pipeline="
                    + manifest.pipeline() + "; resharding it onto stage " + target.pipelineStage() + " of pipeline="
                    + target.pipelineSize() + " needs the stage's parameter names: list every parameter of the stage"
                    + " in ShardLayout.splits (replicated ones as TensorSplit.REPLICATED)");
        }
        return target.pipelineSize() == 1 ? null : names;
    }

    /** {@code names} of the full model ({@code null}: all of them) cut for {@code layout}'s place. */
    private LoadedCheckpoint resharded(ShardLayout layout, Set<String> selected, LoadedCheckpoint full,
                                       NDManager manager) {
        ShardPlace target = layout.place();
        List<String> names = new ArrayList<>(selected == null ? full.parameters().keySet() : selected);
        List<String> absent = names.stream().filter(name -> !full.parameters().containsKey(name)).toList();
        if (!absent.isEmpty()) {
            throw new IllegalArgumentException("checkpoint " + directory + " has no parameter(s) " + absent
                    + " that the layout of " + target + " asks for; it holds " + full.parameters().keySet());
        }
        Map<String, NDArray> parameters = new TreeMap<>();
        for (String name : names) {
            parameters.put(name, TensorSlicing.slice(name, full.parameters().get(name), layout.split(name),
                    target.tensorSize(), target.tensorRank()));
        }
        Map<String, NDArray> optimizerState = new TreeMap<>();
        full.optimizerState().forEach((key, array) -> {
            int slash = key.indexOf('/');
            if (slash < 0 || parameters.containsKey(key.substring(slash + 1))) {
                TensorSplit split = stateSplit(key, array.getShape(), layout.splits(),
                        name -> full.parameters().get(name).getShape());
                optimizerState.put(key, TensorSlicing.slice(key, array, split, target.tensorSize(),
                        target.tensorRank()));
            }
        });
        return attached(parameters, optimizerState, manager);
    }

    /** Joins the tensors of one stage's places that no earlier stage held into {@code into}. */
    private static void join(List<Place> stage, Function<Place, Map<String, TensorSplit>> splits,
                             Function<Place, Map<String, NDArray>> tensors, Map<String, NDArray> into) {
        splits.apply(stage.get(0)).forEach((name, split) -> {
            if (!into.containsKey(name)) {
                List<NDArray> pieces = stage.stream().map(place -> tensors.apply(place).get(name)).toList();
                into.put(name, TensorSlicing.join(name, pieces, split));
            }
        });
    }

    private Place readPlace(int t, int p, NDManager manager) throws IOException {
        ShardPlace place = new ShardPlace(manifest.tensor(), t, manifest.pipeline(), p);
        Path layoutFile = directory.resolve(StepDirectory.layout(t, p));
        List<Map<String, TensorSplit>> splits = CheckpointJson.readLayout(layoutFile,
                storage.readAllBytes(layoutFile), place);
        Path modelFile = directory.resolve(StepDirectory.model(t, p));
        Map<String, NDArray> parameters = TensorFile.read(storage, modelFile, manager);
        String digest = ParametersDigest.of(parameters);
        String expected = manifest.place(t, p).parametersDigest();
        if (!digest.equals(expected)) {
            throw new CheckpointCorruptException(modelFile, "decodes to parameters with digest " + digest
                    + "; manifest.json says " + expected + " for place t" + t + "-p" + p);
        }
        Path optimizerFile = directory.resolve(StepDirectory.optimizer(t, p));
        Map<String, NDArray> optimizerState = TensorFile.read(storage, optimizerFile, manager);
        checkNames(layoutFile, "parameters", splits.get(0), parameters);
        checkNames(layoutFile, "optimizerState", splits.get(1), optimizerState);
        return new Place(splits.get(0), splits.get(1), parameters, optimizerState);
    }

    private static void checkNames(Path layoutFile, String what, Map<String, TensorSplit> splits,
                                   Map<String, NDArray> tensors) throws CheckpointCorruptException {
        if (!splits.keySet().equals(tensors.keySet())) {
            throw new CheckpointCorruptException(layoutFile, "lists " + what + " " + splits.keySet()
                    + " but the place's file holds " + tensors.keySet());
        }
    }

    private LoadedCheckpoint attached(Map<String, NDArray> parameters, Map<String, NDArray> optimizerState,
                                      NDManager manager) {
        parameters.values().forEach(array -> array.attach(manager));
        optimizerState.values().forEach(array -> array.attach(manager));
        return new LoadedCheckpoint(info, parameters, optimizerState, state);
    }

    /** One place's files, decoded. */
    private record Place(Map<String, TensorSplit> parameterSplits, Map<String, TensorSplit> stateSplits,
                         Map<String, NDArray> parameters, Map<String, NDArray> optimizerState) {}
}

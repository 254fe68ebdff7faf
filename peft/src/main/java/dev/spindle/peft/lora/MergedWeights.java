package dev.spindle.peft.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.spindle.peft.format.AdapterFiles;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds an adapter into a copy of its base model's weights, file to file: every adapted weight
 * becomes {@code W + (alpha/r) B A} (transposed for {@code fan_in_fan_out} layers), every tensor
 * the adapter trained in full (biases, modules to save) replaces the base's, and the rest is copied.
 * The result is a plain safetensors model that {@link dev.spindle.model.WeightLoader} and
 * {@code spec.model.init.from} load without any adapter.
 *
 * <pre>{@code
 * try (NDManager manager = NDManager.newBaseManager()) {
 *     MergedWeights.write(Path.of("runs/lora-v1/adapter"), Path.of("base.safetensors"),
 *             Path.of("merged.safetensors"), manager);
 * }
 * }</pre>
 */
public final class MergedWeights {

    private static final String GPT2_PREFIX = "transformer.";

    private MergedWeights() {}

    /**
     * Writes the merged model to {@code out}.
     *
     * @throws IllegalArgumentException naming every adapter tensor that has no base tensor of the
     *     right name and shape
     * @throws IOException when a file cannot be read or written
     */
    public static void write(Path adapterDir, Path baseSafetensors, Path out, NDManager parent) throws IOException {
        try (NDManager manager = parent.newSubManager()) {
            AdapterFiles.Loaded adapter = AdapterFiles.read(adapterDir, manager);
            Map<String, NDArray> base = new LinkedHashMap<>();
            try (InputStream in = new BufferedInputStream(Files.newInputStream(baseSafetensors))) {
                for (NDArray array : NDList.decode(manager, in)) {
                    base.put(array.getName(), array);
                }
            }
            LoraConfig lora = adapter.config().lora();
            boolean fanInFanOut = adapter.config().fanInFanOut();
            List<String> problems = new ArrayList<>();
            for (Map.Entry<String, NDArray> entry : adapter.tensors().entrySet()) {
                String name = entry.getKey();
                if (name.endsWith(LoraAdapter.LORA_B)) {
                    continue;
                }
                if (name.endsWith(LoraAdapter.LORA_A)) {
                    String module = name.substring(0, name.length() - LoraAdapter.LORA_A.length());
                    NDArray b = adapter.tensors().get(module + LoraAdapter.LORA_B);
                    String weight = find(base, module + ".weight");
                    if (b == null || weight == null) {
                        problems.add(module + ": " + (b == null ? "the adapter has lora_A but no lora_B"
                                : "the base has no tensor " + module + ".weight"));
                        continue;
                    }
                    NDArray delta = LoraDelta.of(entry.getValue(), b, lora.scale(), fanInFanOut);
                    NDArray w = base.get(weight);
                    if (!w.getShape().equals(delta.getShape())) {
                        problems.add(weight + ": base shape " + w.getShape() + ", adapter delta " + delta.getShape());
                        continue;
                    }
                    base.put(weight, named(w.toType(DataType.FLOAT32, false).add(delta), weight));
                } else {
                    String target = find(base, name);
                    if (target == null || !base.get(target).getShape().equals(entry.getValue().getShape())) {
                        problems.add(name + ": trained by the adapter but the base has no tensor of that name and"
                                + " shape " + entry.getValue().getShape());
                        continue;
                    }
                    base.put(target, named(entry.getValue(), target));
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("adapter " + adapterDir + " does not fit base " + baseSafetensors
                        + ": " + String.join("; ", problems));
            }
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out))) {
                new NDList(base.values()).encode(os, NDList.Encoding.SAFETENSORS);
            }
        }
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }

    /** GPT-2 files name tensors with or without {@code transformer.}; Spindle's names carry it. */
    private static String find(Map<String, NDArray> base, String name) {
        if (base.containsKey(name)) {
            return name;
        }
        if (name.startsWith(GPT2_PREFIX) && base.containsKey(name.substring(GPT2_PREFIX.length()))) {
            return name.substring(GPT2_PREFIX.length());
        }
        return base.containsKey(GPT2_PREFIX + name) ? GPT2_PREFIX + name : null;
    }
}

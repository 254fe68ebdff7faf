package dev.spindle.peft.format;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.spindle.peft.lora.LoraAdapter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * An adapter directory in the Hugging Face PEFT layout: {@code adapter_config.json} and
 * {@code adapter_model.safetensors}, whose tensors are named {@code base_model.model.<parameter>},
 * e.g. {@code base_model.model.transformer.h.0.attn.c_attn.lora_A.weight} (float32).
 *
 * <pre>{@code
 * AdapterFiles.write(runDir.resolve("adapter"), lora, "runs/gpt-base", PeftAdapterConfig.CAUSAL_LM);
 * try (NDManager scratch = manager.newSubManager()) {
 *     AdapterFiles.Loaded other = AdapterFiles.read(Path.of("runs/v2/adapter"), scratch);
 *     lora.load(other.config().lora(), other.tensors());   // swap adapters on the same base
 * }
 * }</pre>
 */
public final class AdapterFiles {

    /** The tensor file's name inside an adapter directory. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** PEFT's prefix on every saved tensor name (PeftModel wraps the model as {@code base_model.model}). */
    public static final String PREFIX = "base_model.model.";

    private AdapterFiles() {}

    /** An adapter read back: its settings and tensors under the model's parameter names. */
    public record Loaded(PeftAdapterConfig config, Map<String, NDArray> tensors) {

        public Loaded {
            tensors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        }
    }

    /** Writes both files of {@code adapter} into {@code directory} (created if needed). */
    public static void write(Path directory, LoraAdapter adapter, String baseModelNameOrPath, String taskType)
            throws IOException {
        if (adapter.merged()) {
            throw new IllegalStateException("the adapter is merged into the base; unmerge() before saving it");
        }
        Files.createDirectories(directory);
        boolean fanInFanOut = adapter.modules().stream().anyMatch(m -> m.fanInFanOut());
        new PeftAdapterConfig(adapter.config(), fanInFanOut, baseModelNameOrPath, taskType)
                .write(directory.resolve(PeftAdapterConfig.FILE_NAME));
        writeTensors(directory.resolve(WEIGHTS_FILE), adapter.tensors());
    }

    /**
     * Reads an adapter directory into {@code manager}.
     *
     * @throws IOException when a file is missing or a tensor name lacks PEFT's prefix
     */
    public static Loaded read(Path directory, NDManager manager) throws IOException {
        Path weights = directory.resolve(WEIGHTS_FILE);
        Path config = directory.resolve(PeftAdapterConfig.FILE_NAME);
        if (!Files.isRegularFile(weights) || !Files.isRegularFile(config)) {
            throw new IOException(directory + " is not an adapter directory: it needs " + PeftAdapterConfig.FILE_NAME
                    + " and " + WEIGHTS_FILE + " (what a LoRA run writes to <runDir>/adapter)");
        }
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(weights))) {
            for (NDArray array : NDList.decode(manager, in)) {
                String name = array.getName();
                if (!name.startsWith(PREFIX)) {
                    throw new IOException(weights + ": tensor '" + name + "' lacks PEFT's '" + PREFIX + "' prefix");
                }
                tensors.put(name.substring(PREFIX.length()), array.toType(DataType.FLOAT32, false));
            }
        }
        return new Loaded(PeftAdapterConfig.read(config), tensors);
    }

    /** Writes {@code tensors} (model names) as float32 under PEFT's names, in name order. */
    static void writeTensors(Path file, Map<String, NDArray> tensors) throws IOException {
        NDManager any = tensors.values().iterator().next().getManager();
        try (NDManager scratch = any.newSubManager();
                OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            NDList list = new NDList(tensors.size());
            // copies, because DJL takes safetensors keys from array names and the parameters keep theirs
            for (Map.Entry<String, NDArray> entry : new TreeMap<>(tensors).entrySet()) {
                NDArray copy = entry.getValue().toType(DataType.FLOAT32, true);
                copy.attach(scratch);
                copy.setName(PREFIX + entry.getKey());
                list.add(copy);
            }
            list.encode(out, NDList.Encoding.SAFETENSORS);
        }
    }
}

package dev.spindle.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Loads pretrained weights from a safetensors file into a model's existing parameter arrays.
 *
 * <pre>{@code
 * Model gpt = ModelRegistry.defaults().create("gpt", config, manager);
 * WeightLoader.load(gpt.parameters(), Path.of("gpt2/model.safetensors"));
 * }</pre>
 *
 * <p>Names may carry or lack the {@code transformer.} prefix (Hugging Face writes GPT-2 files both
 * ways). GPT-2's causal-mask buffers ({@code h.<i>.attn.bias}, {@code h.<i>.attn.masked_bias}) are
 * not parameters and are skipped; every other tensor must match a parameter by name and shape.
 */
public final class WeightLoader {

    private static final String PREFIX = "transformer.";

    private static final Pattern GPT2_MASK_BUFFER =
            Pattern.compile("(transformer\\.)?h\\.\\d+\\.attn\\.(bias|masked_bias)");

    private WeightLoader() {}

    /**
     * Copies every tensor of {@code safetensors} into the parameter of the same name, converting to
     * float32. Nothing is copied unless the whole file fits.
     *
     * @throws WeightMismatchException listing every missing, unexpected or mis-shaped tensor
     * @throws IOException if the file cannot be read
     */
    public static void load(Parameters target, Path safetensors) throws IOException {
        if (target.size() == 0) {
            throw new IllegalArgumentException("cannot load " + safetensors + " into a model with no parameters");
        }
        NDArray first = target.asMap().values().iterator().next();
        try (NDManager manager = NDManager.newBaseManager(first.getDevice());
                InputStream in = new BufferedInputStream(Files.newInputStream(safetensors))) {
            NDList tensors = NDList.decode(manager, in);
            Map<String, NDArray> matched = new LinkedHashMap<>();
            List<String> problems = new ArrayList<>();
            for (NDArray tensor : tensors) {
                String fileName = tensor.getName();
                if (GPT2_MASK_BUFFER.matcher(fileName).matches()) {
                    continue;
                }
                String name = resolve(target, fileName);
                if (name == null) {
                    problems.add(fileName + ": unexpected, found shape " + tensor.getShape()
                            + "; the model has no parameter of that name");
                } else if (matched.containsKey(name)) {
                    problems.add(fileName + ": duplicate, parameter '" + name
                            + "' appears both with and without the '" + PREFIX + "' prefix");
                } else {
                    NDArray expected = target.get(name);
                    if (!expected.getShape().equals(tensor.getShape())) {
                        problems.add(fileName + ": expected shape " + expected.getShape()
                                + ", found " + tensor.getShape());
                    }
                    matched.put(name, tensor);
                }
            }
            for (String name : target.names()) {
                if (!matched.containsKey(name)) {
                    problems.add(name + ": missing, expected shape " + target.get(name).getShape());
                }
            }
            if (!problems.isEmpty()) {
                throw new WeightMismatchException(safetensors, problems);
            }
            copy(target, matched);
        }
    }

    private static void copy(Parameters target, Map<String, NDArray> matched) {
        // an in-place write to a leaf that requires a gradient is refused while grad mode is on
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (Map.Entry<String, NDArray> entry : matched.entrySet()) {
                NDArray parameter = target.get(entry.getKey());
                NDArray source = entry.getValue().toType(DataType.FLOAT32, false)
                        .toDevice(parameter.getDevice(), false);
                parameter.set(new NDIndex("..."), source);
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    private static String resolve(Parameters target, String fileName) {
        if (target.contains(fileName)) {
            return fileName;
        }
        if (fileName.startsWith(PREFIX) && target.contains(fileName.substring(PREFIX.length()))) {
            return fileName.substring(PREFIX.length());
        }
        if (target.contains(PREFIX + fileName)) {
            return PREFIX + fileName;
        }
        return null;
    }
}

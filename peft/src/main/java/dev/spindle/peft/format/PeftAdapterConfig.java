package dev.spindle.peft.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spindle.peft.lora.LoraConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code adapter_config.json} as Hugging Face PEFT writes it for LoRA: {@code peft_type "LORA"},
 * {@code r}, {@code lora_alpha}, {@code lora_dropout}, {@code target_modules} (a list, or one regex
 * string), {@code bias}, {@code fan_in_fan_out}, {@code modules_to_save}, {@code base_model_name_or_path},
 * {@code task_type}, {@code inference_mode}, and PEFT's other LoRA fields at the values that mean
 * "plain LoRA" (no rsLoRA, no DoRA, no per-layer patterns), so PEFT's {@code PeftModel.from_pretrained}
 * reads it.
 *
 * <pre>{@code
 * PeftAdapterConfig config = new PeftAdapterConfig(lora.config(), true, "runs/gpt-base", "CAUSAL_LM");
 * config.write(dir.resolve(PeftAdapterConfig.FILE_NAME));
 * PeftAdapterConfig back = PeftAdapterConfig.read(dir.resolve(PeftAdapterConfig.FILE_NAME));
 * }</pre>
 *
 * @param lora rank, alpha, dropout, targets, bias and modules to save
 * @param fanInFanOut whether the adapted weights are stored {@code [in, out]} (GPT-2's Conv1D)
 * @param baseModelNameOrPath what the adapter was trained on, as PEFT records it
 * @param taskType PEFT's task type, {@code CAUSAL_LM} for language models, or {@code null}
 */
public record PeftAdapterConfig(LoraConfig lora, boolean fanInFanOut, String baseModelNameOrPath, String taskType) {

    /** The file's name inside an adapter directory. */
    public static final String FILE_NAME = "adapter_config.json";
    /** PEFT's type name for LoRA. */
    public static final String PEFT_TYPE = "LORA";
    /** PEFT's task type of decoder-only language models. */
    public static final String CAUSAL_LM = "CAUSAL_LM";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public PeftAdapterConfig {
        if (lora == null) {
            throw new IllegalArgumentException("PeftAdapterConfig.lora is null; pass the adapter's LoraConfig");
        }
    }

    /** Writes the file; fields in PEFT's names. */
    public void write(Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("alpha_pattern");
        root.putNull("auto_mapping");
        root.put("base_model_name_or_path", baseModelNameOrPath);
        root.put("bias", lora.bias().peftName());
        root.put("fan_in_fan_out", fanInFanOut);
        root.put("inference_mode", true);
        root.put("init_lora_weights", true);
        root.putNull("layers_pattern");
        root.putNull("layers_to_transform");
        root.put("lora_alpha", lora.alpha());
        root.put("lora_dropout", lora.dropout());
        if (lora.modulesToSave().isEmpty()) {
            root.putNull("modules_to_save");
        } else {
            ArrayNode saved = root.putArray("modules_to_save");
            lora.modulesToSave().forEach(saved::add);
        }
        root.put("peft_type", PEFT_TYPE);
        root.put("r", lora.r());
        root.putObject("rank_pattern");
        root.putNull("revision");
        if (lora.targetPattern() != null) {
            root.put("target_modules", lora.targetPattern());
        } else {
            ArrayNode targets = root.putArray("target_modules");
            lora.targetNames().forEach(targets::add);
        }
        root.put("task_type", taskType);
        root.put("use_dora", false);
        root.put("use_rslora", false);
        Files.write(file, JSON.writeValueAsBytes(root));
    }

    /**
     * Reads a PEFT LoRA config.
     *
     * @throws IOException naming the file and field when it is not plain LoRA or a field is wrong
     */
    public static PeftAdapterConfig read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": expected a JSON object of PEFT adapter settings");
        }
        String type = root.path("peft_type").asText("");
        if (!PEFT_TYPE.equals(type)) {
            throw new IOException(file + ": peft_type is '" + type + "', expected '" + PEFT_TYPE
                    + "' (Spindle reads LoRA adapters only)");
        }
        if (root.path("use_dora").asBoolean(false) || root.path("use_rslora").asBoolean(false)) {
            throw new IOException(file + ": use_dora or use_rslora is true; Spindle reads plain LoRA adapters only");
        }
        JsonNode targets = root.path("target_modules");
        List<String> names = new ArrayList<>();
        String pattern = null;
        if (targets.isTextual()) {
            pattern = targets.textValue();
        } else if (targets.isArray()) {
            targets.forEach(t -> names.add(t.asText()));
        } else {
            throw new IOException(file + ": target_modules is " + targets + ", expected a list of names or a string");
        }
        List<String> saved = new ArrayList<>();
        root.path("modules_to_save").forEach(m -> saved.add(m.asText()));
        try {
            LoraConfig lora = new LoraConfig(integer(file, root, "r"), number(file, root, "lora_alpha"),
                    root.path("lora_dropout").asDouble(0.0), names, pattern,
                    LoraConfig.Bias.of(root.path("bias").asText("none")), saved);
            return new PeftAdapterConfig(lora, root.path("fan_in_fan_out").asBoolean(false),
                    root.path("base_model_name_or_path").isTextual() ? root.get("base_model_name_or_path").textValue() : null,
                    root.path("task_type").isTextual() ? root.get("task_type").textValue() : null);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static int integer(Path file, JsonNode root, String field) throws IOException {
        JsonNode v = root.path(field);
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IOException(file + ": field '" + field + "' is " + v + ", expected a whole number");
        }
        return v.intValue();
    }

    private static double number(Path file, JsonNode root, String field) throws IOException {
        JsonNode v = root.path(field);
        if (!v.isNumber()) {
            throw new IOException(file + ": field '" + field + "' is " + v + ", expected a number");
        }
        return v.doubleValue();
    }
}

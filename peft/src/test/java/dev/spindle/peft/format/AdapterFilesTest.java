package dev.spindle.peft.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.model.gpt.Gpt;
import dev.spindle.peft.lora.LoraAdapter;
import dev.spindle.peft.lora.LoraConfig;
import dev.spindle.peft.lora.TinyGpt;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterFilesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /** The safetensors header read by hand: 8-byte little-endian length, then that much JSON. */
    static JsonNode header(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            long length = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            return JSON.readTree(new String(in.readNBytes((int) length), StandardCharsets.UTF_8));
        }
    }

    private float[] logits(Gpt gpt) {
        try (NDManager m = manager.newSubManager()) {
            return gpt.forward(TinyGpt.tokens(m, 3), false).toFloatArray();
        }
    }

    @Test
    void tensorsCarryPeftNamesFloat32AndLinearLayoutShapes() throws IOException {
        try (Gpt gpt = TinyGpt.create(manager, 1)) {
            LoraAdapter lora = LoraAdapter.attach(gpt, LoraConfig.of(List.of("c_attn", "mlp.c_proj"), 4, 8));
            AdapterFiles.write(dir, lora, "runs/base", PeftAdapterConfig.CAUSAL_LM);
            JsonNode header = header(dir.resolve("adapter_model.safetensors"));
            List<String> names = new ArrayList<>();
            header.fieldNames().forEachRemaining(n -> {
                if (!n.equals("__metadata__")) {
                    names.add(n);
                }
            });
            assertEquals(8, names.size(), names.toString());
            JsonNode a = header.get("base_model.model.transformer.h.1.attn.c_attn.lora_A.weight");
            JsonNode b = header.get("base_model.model.transformer.h.1.attn.c_attn.lora_B.weight");
            assertEquals("F32", a.get("dtype").asText());
            assertEquals("[4,16]", a.get("shape").toString(), "lora_A is [r, in] even for Conv1D");
            assertEquals("[48,4]", b.get("shape").toString(), "lora_B is [out, r] even for Conv1D");
            assertEquals("[4,64]", header.get("base_model.model.transformer.h.0.mlp.c_proj.lora_A.weight")
                    .get("shape").toString());
            assertEquals("F32", header.get("base_model.model.transformer.h.0.mlp.c_proj.lora_B.weight")
                    .get("dtype").asText());
        }
    }

    @Test
    void configCarriesPeftFieldsAndValues() throws IOException {
        try (Gpt gpt = TinyGpt.create(manager, 2)) {
            LoraConfig config = new LoraConfig(8, 16, 0.05, List.of("c_attn", "c_proj"), null,
                    LoraConfig.Bias.LORA_ONLY, List.of("lm_head"));
            AdapterFiles.write(dir, LoraAdapter.attach(gpt, config), "runs/base", PeftAdapterConfig.CAUSAL_LM);
            JsonNode json = JSON.readTree(dir.resolve("adapter_config.json").toFile());
            assertEquals("LORA", json.get("peft_type").asText());
            assertEquals(8, json.get("r").asInt());
            assertEquals(16.0, json.get("lora_alpha").asDouble());
            assertEquals(0.05, json.get("lora_dropout").asDouble());
            assertEquals("[\"c_attn\",\"c_proj\"]", json.get("target_modules").toString());
            assertEquals("lora_only", json.get("bias").asText());
            assertTrue(json.get("fan_in_fan_out").asBoolean());
            assertEquals("[\"lm_head\"]", json.get("modules_to_save").toString());
            assertEquals("runs/base", json.get("base_model_name_or_path").asText());
            assertEquals("CAUSAL_LM", json.get("task_type").asText());
            assertTrue(json.get("inference_mode").asBoolean());
            assertFalse(json.get("use_rslora").asBoolean());
            assertEquals(config, PeftAdapterConfig.read(dir.resolve("adapter_config.json")).lora());
            JsonNode header = header(dir.resolve("adapter_model.safetensors"));
            assertTrue(header.has("base_model.model.lm_head.weight"));
            assertTrue(header.has("base_model.model.transformer.h.0.attn.c_attn.bias"));
        }
    }

    @Test
    void aRegexTargetIsWrittenAsOneString() throws IOException {
        try (Gpt gpt = TinyGpt.create(manager, 2)) {
            LoraConfig config = new LoraConfig(2, 4, 0, List.of(), ".*attn\\.c_attn", LoraConfig.Bias.NONE, null);
            AdapterFiles.write(dir, LoraAdapter.attach(gpt, config), "base", null);
            assertEquals(".*attn\\.c_attn",
                    JSON.readTree(dir.resolve("adapter_config.json").toFile()).get("target_modules").textValue());
            assertEquals(config, PeftAdapterConfig.read(dir.resolve("adapter_config.json")).lora());
        }
    }

    @Test
    void loadingAnAdapterBackReproducesItsOutputsAndSwapsWithoutReloadingTheBase() throws IOException {
        Map<String, float[]> expected = new LinkedHashMap<>();
        float[] base;
        try (Gpt gpt = TinyGpt.create(manager, 5)) {
            base = logits(gpt);
            LoraAdapter lora = LoraAdapter.attach(gpt, LoraConfig.of(List.of("c_attn", "c_fc"), 4, 8));
            TinyGpt.train(gpt, manager, 3);
            AdapterFiles.write(dir.resolve("x"), lora, "base", PeftAdapterConfig.CAUSAL_LM);
            expected.put("x", logits(gpt));
            TinyGpt.train(gpt, manager, 3);
            AdapterFiles.write(dir.resolve("y"), lora, "base", PeftAdapterConfig.CAUSAL_LM);
            expected.put("y", logits(gpt));
        }
        assertFalse(java.util.Arrays.equals(expected.get("x"), expected.get("y")));
        try (Gpt gpt = TinyGpt.create(manager, 5)) {
            LoraAdapter lora = LoraAdapter.attach(gpt, LoraConfig.of(List.of("c_attn", "c_fc"), 4, 8));
            NDArray baseWeight = gpt.parameters().get("transformer.h.0.attn.c_attn.weight");
            for (String version : List.of("x", "y", "x")) {
                try (NDManager scratch = manager.newSubManager()) {
                    AdapterFiles.Loaded loaded = AdapterFiles.read(dir.resolve(version), scratch);
                    lora.load(loaded.config().lora(), loaded.tensors());
                }
                assertEquals(java.util.Arrays.toString(expected.get(version)), java.util.Arrays.toString(logits(gpt)),
                        "adapter " + version);
                assertTrue(baseWeight == gpt.parameters().get("transformer.h.0.attn.c_attn.weight"));
            }
            lora.load(lora.config(), Map.of(
                    "transformer.h.0.attn.c_attn.lora_A.weight", manager.zeros(new ai.djl.ndarray.types.Shape(4, 16)),
                    "transformer.h.0.attn.c_attn.lora_B.weight", manager.zeros(new ai.djl.ndarray.types.Shape(48, 4)),
                    "transformer.h.1.attn.c_attn.lora_A.weight", manager.zeros(new ai.djl.ndarray.types.Shape(4, 16)),
                    "transformer.h.1.attn.c_attn.lora_B.weight", manager.zeros(new ai.djl.ndarray.types.Shape(48, 4)),
                    "transformer.h.0.mlp.c_fc.lora_A.weight", manager.zeros(new ai.djl.ndarray.types.Shape(4, 16)),
                    "transformer.h.0.mlp.c_fc.lora_B.weight", manager.zeros(new ai.djl.ndarray.types.Shape(64, 4)),
                    "transformer.h.1.mlp.c_fc.lora_A.weight", manager.zeros(new ai.djl.ndarray.types.Shape(4, 16)),
                    "transformer.h.1.mlp.c_fc.lora_B.weight", manager.zeros(new ai.djl.ndarray.types.Shape(64, 4))));
            assertEquals(java.util.Arrays.toString(base), java.util.Arrays.toString(logits(gpt)),
                    "a zero adapter is the base: the base was never touched");
        }
    }

    @Test
    void anAdapterOfAnotherRankDoesNotSwapIn() throws IOException {
        try (Gpt gpt = TinyGpt.create(manager, 5)) {
            AdapterFiles.write(dir, LoraAdapter.attach(gpt, LoraConfig.of(List.of("c_attn"), 2, 4)), "b", null);
        }
        try (Gpt gpt = TinyGpt.create(manager, 5); NDManager scratch = manager.newSubManager()) {
            LoraAdapter lora = LoraAdapter.attach(gpt, LoraConfig.of(List.of("c_attn"), 4, 4));
            AdapterFiles.Loaded loaded = AdapterFiles.read(dir, scratch);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> lora.load(loaded.config().lora(), loaded.tensors()));
            assertTrue(e.getMessage().contains("rank 2 where this adapter has 4"), e.getMessage());
        }
    }
}

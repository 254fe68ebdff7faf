package dev.spindle.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.VerifyResult;
import dev.spindle.peft.AdapterMetadata;
import dev.spindle.peft.AdapterMetadataJson;
import dev.spindle.peft.image.AdapterImage;
import dev.spindle.peft.image.AdapterImages;
import dev.spindle.peft.image.ImageRef;
import dev.spindle.spec.SpecWriter;
import dev.spindle.train.TrainListener;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pre-trains a tiny GPT, fine-tunes it with LoRA through {@link Spindle#train}, and checks what a LoRA
 * run promises: stop and resume give the straight run's adapter byte for byte, checkpoints hold only
 * the adapter and name the base by digest, the base run is untouched, and the adapter folder is
 * written in the PEFT layout with its metadata.
 */
class LoraEndToEndIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path loraJob() throws IOException {
        Path job = TestJobs.tinyGptJob(dir, "");
        String yaml = Files.readString(job) + """
                  peft:
                    method: lora
                    r: 4
                    alpha: 8
                    dropout: 0.1
                    targetModules: [c_attn, mlp.c_fc]
                    base: base
                """;
        Path lora = dir.resolve("lora.yaml");
        Files.writeString(lora, yaml.replace("name: tiny", "name: tiny-lora"), StandardCharsets.UTF_8);
        return lora;
    }

    private RunSummary train(Path job, List<String> overrides, String runDir, boolean resume, long stopAt,
            List<String> notes) throws IOException {
        TrainListener noteTaker = new TrainListener() {
            @Override
            public void onNote(String line) {
                notes.add(line);
            }
        };
        TrainOptions options = TrainOptions.in(dir.resolve(runDir)).withBaseDirectory(dir).withResume(resume)
                .withStopAt(stopAt).withSampleTokens(0).withListeners(List.of(noteTaker));
        return Spindle.train(Spindle.load(job, overrides), options);
    }

    @Test
    void loraFineTuningResumesBitForBitLeavesTheBaseAloneAndWritesTheAdapter() throws IOException {
        TestJobs.textDataset(dir);
        Path baseJob = TestJobs.tinyGptJob(dir, "");
        train(baseJob, List.of("spec.training.steps=8", "spec.training.evalInterval=4"), "base", false,
                Long.MAX_VALUE, new ArrayList<>());
        CheckpointStore baseStore = CheckpointStore.open(dir.resolve("base/checkpoints"), 10);
        String baseDigest = baseStore.latest().orElseThrow().parametersDigest();
        byte[] baseModel = Files.readAllBytes(baseStore.latest().orElseThrow().directory().resolve("model.safetensors"));

        Path lora = loraJob();
        List<String> notes = new ArrayList<>();
        RunSummary straight = train(lora, List.of("spec.output.adapter.image=oci-layout:images:v1"), "straight",
                false, Long.MAX_VALUE, notes);
        assertEquals(16, straight.result().finalStep());
        assertTrue(notes.get(0).startsWith("LoRA r=4 on 4 modules: 2,304 of 36,512 parameters train (6.31%)"), notes.toString());
        assertTrue(notes.get(notes.size() - 2).startsWith("adapter written to "), notes.toString());
        assertTrue(notes.get(notes.size() - 1).startsWith("adapter image oci-layout:" + dir.resolve("images") + ":v1 pushed"),
                notes.toString());

        RunSummary first = train(lora, List.of(), "resumed", false, 6, new ArrayList<>());
        assertTrue(first.result().stoppedEarly());
        assertTrue(Files.notExists(dir.resolve("resumed/adapter")), "no adapter from an unfinished run");
        RunSummary second = train(lora, List.of(), "resumed", true, Long.MAX_VALUE, new ArrayList<>());
        assertEquals(6, second.result().startStep());
        assertEquals(straight.parametersDigest().orElseThrow(), second.parametersDigest().orElseThrow());
        assertArrayEquals(Files.readAllBytes(dir.resolve("straight/adapter/adapter_model.safetensors")),
                Files.readAllBytes(dir.resolve("resumed/adapter/adapter_model.safetensors")),
                "the resumed run's adapter is the straight run's, byte for byte");

        // 2 layers x (c_attn: 4x32 + 96x4, c_fc: 4x32 + 128x4) = 2,304
        // the checkpoint holds the adapter only and names the base by digest
        Path step = CheckpointStore.open(dir.resolve("straight/checkpoints"), 10).latest().orElseThrow().directory();
        List<String> names = tensorNames(step.resolve("model.safetensors"));
        assertEquals(8, names.size(), names.toString());
        assertTrue(names.stream().allMatch(n -> n.contains(".lora_")), names.toString());
        JsonNode state = JSON.readTree(step.resolve("state.json").toFile());
        String base = state.get("baseParametersDigest").asText();
        assertEquals(64, base.length());

        // the base run is untouched
        assertEquals(baseDigest, baseStore.latest().orElseThrow().parametersDigest());
        assertArrayEquals(baseModel, Files.readAllBytes(baseStore.latest().orElseThrow().directory()
                .resolve("model.safetensors")));
        assertTrue(baseStore.verify().stream().allMatch(VerifyResult::valid));

        // the adapter folder
        Path adapter = dir.resolve("straight/adapter");
        JsonNode config = JSON.readTree(adapter.resolve("adapter_config.json").toFile());
        assertEquals("LORA", config.get("peft_type").asText());
        assertEquals("base", config.get("base_model_name_or_path").asText());
        List<String> adapterNames = tensorNames(adapter.resolve("adapter_model.safetensors"));
        assertTrue(adapterNames.contains("base_model.model.transformer.h.1.mlp.c_fc.lora_B.weight"), adapterNames.toString());
        AdapterMetadata metadata = AdapterMetadataJson.read(adapter);
        assertEquals("sha256:" + base, metadata.baseModelDigest());
        assertEquals(SpecWriter.digest(Spindle.load(lora, List.of("spec.output.adapter.image=oci-layout:images:v1"))),
                metadata.specDigest());
        assertEquals(straight.result().finalLoss(), metadata.metrics().get("loss"), 1e-12);
        assertTrue(metadata.metrics().containsKey("evalLoss"), metadata.metrics().toString());
        assertNull(metadata.parentVersion());
        assertTrue(metadata.datasetDigest().startsWith("sha256:"), metadata.datasetDigest());
        // spec.output.adapter.image: the finished adapter was published with the same record
        AdapterImage image = AdapterImages.client().inspect(ImageRef.parse("oci-layout:" + dir.resolve("images") + ":v1"));
        assertEquals(metadata, image.metadata());
        assertEquals(CheckpointStore.open(dir.resolve("straight/checkpoints"), 10).latest().orElseThrow().createdAt(),
                metadata.createdAt());
    }

    @Test
    void aResumeOntoAnotherBaseIsRefusedAndAChildAdapterNamesItsParent() throws IOException {
        TestJobs.textDataset(dir);
        Path baseJob = TestJobs.tinyGptJob(dir, "");
        train(baseJob, List.of("spec.training.steps=8", "spec.training.evalInterval=4"), "base", false,
                Long.MAX_VALUE, new ArrayList<>());
        Path lora = loraJob();
        train(lora, List.of("spec.training.steps=8", "spec.training.evalInterval=4"), "v1", false, 4,
                new ArrayList<>());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> train(lora,
                List.of("spec.training.steps=8", "spec.training.evalInterval=4",
                        "spec.peft.base=base/checkpoints/step-00000004"), "v1", true, Long.MAX_VALUE, new ArrayList<>()));
        assertTrue(e.getMessage().contains("was made on base parameters"), e.getMessage());

        train(lora, List.of("spec.training.steps=8", "spec.training.evalInterval=4"), "v1", true, Long.MAX_VALUE,
                new ArrayList<>());
        train(lora, List.of("spec.training.steps=8", "spec.training.evalInterval=4", "spec.peft.parent=v1/adapter"),
                "v2", false, Long.MAX_VALUE, new ArrayList<>());
        assertEquals("v1", AdapterMetadataJson.read(dir.resolve("v2/adapter")).parentVersion());

        JobException unknown = assertThrows(JobException.class, () -> train(lora,
                List.of("spec.peft.targetModules=[q_proj]"), "bad", false, Long.MAX_VALUE, new ArrayList<>()));
        assertTrue(unknown.getMessage().contains("transformer.h.0.attn.c_attn"), unknown.getMessage());
        List<String> problems = Spindle.validate(lora, List.of("spec.peft.targetModules=[q_proj]"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("spec.peft.targetModules: [q_proj] match no module"), problems.toString());
    }

    /** Tensor names from the safetensors header, read by hand. */
    private static List<String> tensorNames(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            long length = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            JsonNode header = JSON.readTree(new String(in.readNBytes((int) length), StandardCharsets.UTF_8));
            List<String> names = new ArrayList<>();
            header.fieldNames().forEachRemaining(n -> {
                if (!n.equals("__metadata__")) {
                    names.add(n);
                }
            });
            return names;
        }
    }
}

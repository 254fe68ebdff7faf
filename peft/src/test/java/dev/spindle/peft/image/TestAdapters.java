package dev.spindle.peft.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.spindle.peft.AdapterMetadata;
import dev.spindle.peft.AdapterMetadataJson;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

/** Small adapters made on the fly: a PEFT config, seeded LoRA weights in safetensors, metadata. */
final class TestAdapters {

    static final String[] TENSORS = {
        "base_model.model.blocks.0.attn.qkv.lora_A.weight", "base_model.model.blocks.0.attn.qkv.lora_B.weight"};
    static final int RANK = 4;
    static final int HIDDEN = 32;

    private TestAdapters() {}

    static AdapterMetadata metadata(String parent, double loss) {
        return new AdapterMetadata("sha256:" + "b".repeat(64), "sha256:" + "d".repeat(64), "sha256:" + "5".repeat(64),
                Map.of("loss", loss, "evalLoss", loss + 0.25), parent, Instant.parse("2026-11-29T12:00:00Z"));
    }

    /** Writes an adapter whose weights depend on {@code seed} and whose config has rank {@code r}. */
    static Path write(Path dir, long seed, int r, AdapterMetadata m) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\":\"LORA\",\"r\":" + r
                + ",\"lora_alpha\":8,\"target_modules\":[\"qkv\"],\"base_model_name_or_path\":\"gpt-licenses\"}\n");
        Random random = new Random(seed);
        try (NDManager manager = NDManager.newBaseManager();
                OutputStream out = Files.newOutputStream(dir.resolve("adapter_model.safetensors"))) {
            NDList list = new NDList();
            list.add(array(manager, random, TENSORS[0], new Shape(RANK, HIDDEN)));
            list.add(array(manager, random, TENSORS[1], new Shape(3 * HIDDEN, RANK)));
            list.encode(out, NDList.Encoding.SAFETENSORS);
        }
        AdapterMetadataJson.write(dir, m);
        return dir;
    }

    /** Writes a LoRA adapter of rank {@code r} on qkv and proj of {@code layers} layers of width {@code hidden}. */
    static Path writeSized(Path dir, long seed, int layers, int hidden, int r, AdapterMetadata m) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\":\"LORA\",\"r\":" + r
                + ",\"lora_alpha\":16,\"target_modules\":[\"qkv\",\"proj\"]}\n");
        Random random = new Random(seed);
        try (NDManager manager = NDManager.newBaseManager();
                OutputStream out = Files.newOutputStream(dir.resolve("adapter_model.safetensors"))) {
            NDList list = new NDList();
            for (int layer = 0; layer < layers; layer++) {
                String prefix = "base_model.model.blocks." + layer + ".attn.";
                list.add(array(manager, random, prefix + "qkv.lora_A.weight", new Shape(r, hidden)));
                list.add(array(manager, random, prefix + "qkv.lora_B.weight", new Shape(3L * hidden, r)));
                list.add(array(manager, random, prefix + "proj.lora_A.weight", new Shape(r, hidden)));
                list.add(array(manager, random, prefix + "proj.lora_B.weight", new Shape(hidden, r)));
            }
            list.encode(out, NDList.Encoding.SAFETENSORS);
        }
        AdapterMetadataJson.write(dir, m);
        return dir;
    }

    /** The weights as plain floats, in {@link #TENSORS} order, for reference computations. */
    static float[] weights(long seed, int index) {
        Random random = new Random(seed);
        float[] a = floats(random, RANK * HIDDEN);
        return index == 0 ? a : floats(random, 3 * HIDDEN * RANK);
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static NDArray array(NDManager manager, Random random, String name, Shape shape) {
        NDArray a = manager.create(floats(random, (int) shape.size()), shape);
        a.setName(name);
        return a;
    }

    private static float[] floats(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}

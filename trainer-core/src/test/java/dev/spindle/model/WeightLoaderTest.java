package dev.spindle.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.spindle.model.gpt.Gpt;
import dev.spindle.model.gpt.GptConfig;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightLoaderTest {

    private static final GptConfig TINY = new GptConfig(12, 6, 1, 2, 8, true, 0.0, 1e-5);

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

    private Gpt gpt(int seed) {
        Engine.getInstance().setRandomSeed(seed);
        return new Gpt(TINY, manager);
    }

    /** Writes the model's parameters, renamed and converted as a test wants, as safetensors. */
    private Path write(Parameters source, UnaryOperator<String> rename, DataType type, NDArray... extra) throws Exception {
        Path file = dir.resolve("weights.safetensors");
        NDList list = new NDList();
        for (String name : source.names()) {
            NDArray copy = source.get(name).toType(type, true);
            copy.setName(rename.apply(name));
            list.add(copy);
        }
        for (NDArray array : extra) {
            list.add(array);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            list.encode(out, NDList.Encoding.SAFETENSORS);
        }
        return file;
    }

    @Test
    void roundTripRestoresEveryParameterExactly() throws Exception {
        try (Gpt source = gpt(1); Gpt target = gpt(2)) {
            Path file = write(source.parameters(), n -> n, DataType.FLOAT32);
            WeightLoader.load(target.parameters(), file);
            for (String name : source.parameters().names()) {
                assertArrayEquals(source.parameters().get(name).toFloatArray(),
                        target.parameters().get(name).toFloatArray(), name);
            }
        }
    }

    @Test
    void namesWithoutTheTransformerPrefixAndHalfPrecisionLoad() throws Exception {
        try (Gpt source = gpt(1); Gpt target = gpt(2)) {
            NDArray maskBuffer = manager.ones(new Shape(1, 1, 6, 6));
            maskBuffer.setName("h.0.attn.bias");
            Path file = write(source.parameters(), n -> n.replace("transformer.", ""), DataType.FLOAT16, maskBuffer);
            WeightLoader.load(target.parameters(), file);
            float[] expected = source.parameters().get("transformer.h.0.mlp.c_fc.weight").toFloatArray();
            float[] loaded = target.parameters().get("transformer.h.0.mlp.c_fc.weight").toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], loaded[i], 1e-3 * Math.abs(expected[i]) + 1e-7);
            }
            assertEquals(DataType.FLOAT32, target.parameters().get("transformer.wte.weight").getDataType());
        }
    }

    @Test
    void mismatchListsEveryMissingUnexpectedAndMisShapedTensor() throws Exception {
        try (Gpt source = gpt(1); Gpt target = gpt(2)) {
            Parameters p = source.parameters();
            NDList list = new NDList();
            for (String name : p.names()) {
                if (name.equals("transformer.ln_f.bias")) {
                    continue;
                }
                NDArray copy = name.equals("transformer.wpe.weight") ? manager.zeros(new Shape(7, 8)) : p.get(name).duplicate();
                copy.setName(name);
                list.add(copy);
            }
            NDArray stray = manager.zeros(new Shape(3));
            stray.setName("transformer.h.9.ln_1.weight");
            list.add(stray);
            Path file = dir.resolve("bad.safetensors");
            try (OutputStream out = Files.newOutputStream(file)) {
                list.encode(out, NDList.Encoding.SAFETENSORS);
            }
            float[] before = target.parameters().get("transformer.wte.weight").toFloatArray();
            WeightMismatchException e = assertThrows(WeightMismatchException.class,
                    () -> WeightLoader.load(target.parameters(), file));
            String message = e.getMessage();
            assertEquals(3, e.problems().size(), message);
            assertTrue(message.contains("transformer.wpe.weight: expected shape (6, 8), found (7, 8)"), message);
            assertTrue(message.contains("transformer.ln_f.bias: missing, expected shape (8)"), message);
            assertTrue(message.contains("transformer.h.9.ln_1.weight: unexpected, found shape (3)"), message);
            assertTrue(message.contains(file.toString()), message);
            assertArrayEquals(before, target.parameters().get("transformer.wte.weight").toFloatArray(),
                    "nothing may be copied from a file that does not fit");
        }
    }
}

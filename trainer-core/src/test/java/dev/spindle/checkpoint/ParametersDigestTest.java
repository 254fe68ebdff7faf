package dev.spindle.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ParametersDigestTest {

    private NDManager manager;

    @BeforeEach
    void createManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void matchesTheDocumentedBytesBuiltByHand() throws Exception {
        float[] weight = {1.5f, -2f, 0f, 3.25f, 1e-30f, -7f};
        long[] step = {9L};
        Map<String, NDArray> tensors = Map.of("w", manager.create(weight, new Shape(2, 3)),
                "adam.step", manager.create(step));

        // Big-endian DataOutputStream plus explicit byte reversal: a different route to the same bytes.
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(expected);
        writeString(out, "adam.step");
        writeString(out, "I64");
        out.writeInt(Integer.reverseBytes(1));
        out.writeLong(Long.reverseBytes(1));
        out.writeLong(Long.reverseBytes(8));
        out.writeLong(Long.reverseBytes(9L));
        writeString(out, "w");
        writeString(out, "F32");
        out.writeInt(Integer.reverseBytes(2));
        out.writeLong(Long.reverseBytes(2));
        out.writeLong(Long.reverseBytes(3));
        out.writeLong(Long.reverseBytes(24));
        for (float value : weight) {
            out.writeInt(Integer.reverseBytes(Float.floatToRawIntBits(value)));
        }

        assertEquals(sha256Hex(expected.toByteArray()), ParametersDigest.of(tensors));
    }

    @Test
    void isStableAcrossInsertionOrderAndCopies() {
        Map<String, NDArray> forward = new LinkedHashMap<>();
        forward.put("a", manager.create(new float[] {1, 2, 3}));
        forward.put("b", manager.create(new float[] {4, 5}));
        Map<String, NDArray> backward = new LinkedHashMap<>();
        backward.put("b", manager.create(new float[] {4, 5}));
        backward.put("a", forward.get("a").duplicate());

        assertEquals(ParametersDigest.of(forward), ParametersDigest.of(backward));
        assertEquals(ParametersDigest.of(forward), ParametersDigest.of(forward));
    }

    @Test
    void changesWhenOneValueNameDtypeOrShapeChanges() {
        String base = ParametersDigest.of(Map.of("a", manager.create(new float[] {1, 2, 3, 4})));

        assertNotEquals(base, ParametersDigest.of(Map.of("a", manager.create(new float[] {1, 2, 3, 4.0000005f}))));
        assertNotEquals(base, ParametersDigest.of(Map.of("b", manager.create(new float[] {1, 2, 3, 4}))));
        assertNotEquals(base, ParametersDigest.of(Map.of("a", manager.create(new int[] {1, 2, 3, 4}))));
        assertNotEquals(base, ParametersDigest.of(Map.of("a", manager.create(new float[] {1, 2, 3, 4},
                new Shape(2, 2)))));
    }

    @Test
    void emptyMapHasTheDigestOfNoBytes() throws NoSuchAlgorithmException {
        assertEquals(sha256Hex(new byte[0]), ParametersDigest.of(Map.of()));
    }

    private static void writeString(DataOutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(Integer.reverseBytes(bytes.length));
        out.write(bytes);
    }

    private static String sha256Hex(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}

package dev.spindle.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * A content digest of named tensors that does not depend on file layout, insertion order or the
 * codec: two models with the same names, dtypes, shapes and values have the same digest.
 *
 * <p>SHA-256 (lowercase hex) over the tensors in name order ({@link String#compareTo}); for each:
 * the name as a 4-byte little-endian length and its UTF-8 bytes, the safetensors dtype code
 * ({@code F32}, {@code I64}, ...) the same way, the rank as 4 bytes and each dimension as 8 bytes,
 * then the data's length as 8 bytes and the raw little-endian, row-major data. All integers are
 * little-endian. {@code docs/checkpoint-format.md} specifies the same bytes.
 *
 * <pre>{@code
 * String digest = ParametersDigest.of(parameters.asMap());
 * }</pre>
 */
public final class ParametersDigest {

    private ParametersDigest() {}

    /** The digest of {@code tensors}; an empty map has the digest of no bytes. */
    public static String of(Map<String, NDArray> tensors) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            // DJL hands out tensor memory in native order; the digest is defined on little-endian bytes.
            throw new UnsupportedOperationException("ParametersDigest needs a little-endian platform, this one is "
                    + ByteOrder.nativeOrder());
        }
        MessageDigest sha256 = newSha256();
        for (Map.Entry<String, NDArray> entry : new TreeMap<>(tensors).entrySet()) {
            String name = entry.getKey();
            NDArray array = entry.getValue();
            if (array.getDataType() == DataType.BFLOAT16) {
                throw TensorFile.bfloat16("tensor '" + name + "'");
            }
            long[] shape = array.getShape().getShape();
            ByteBuffer data = array.toByteBuffer();
            putString(sha256, name);
            putString(sha256, array.getDataType().asSafetensors());
            ByteBuffer dims = little(4 + 8 * shape.length).putInt(shape.length);
            for (long dim : shape) {
                dims.putLong(dim);
            }
            sha256.update(dims.flip());
            sha256.update(little(8).putLong(data.remaining()).flip());
            sha256.update(data);
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime must provide SHA-256, this one does not", e);
        }
    }

    private static void putString(MessageDigest digest, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        digest.update(little(4).putInt(bytes.length).flip());
        digest.update(bytes);
    }

    private static ByteBuffer little(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }
}

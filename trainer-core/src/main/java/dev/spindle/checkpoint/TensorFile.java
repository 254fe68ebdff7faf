package dev.spindle.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Named tensors in one safetensors file, through DJL's codec. The header is inspected before DJL
 * decodes anything, because DJL 0.36 can crash the JVM creating bfloat16 arrays.
 */
final class TensorFile {

    /** The safetensors format's own bound on the JSON header. */
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    private TensorFile() {}

    /** Refuses what this format cannot hold, naming the tensor; called before anything is written. */
    static void checkWritable(String what, Map<String, NDArray> tensors) {
        for (Map.Entry<String, NDArray> entry : tensors.entrySet()) {
            String name = entry.getKey();
            if (name == null || name.isEmpty() || name.startsWith("__")) {
                throw new IllegalArgumentException(what + " has a tensor named '" + name
                        + "'; names must be non-empty and must not start with '__' (safetensors reserves it)");
            }
            NDArray array = entry.getValue();
            if (array == null) {
                throw new IllegalArgumentException(what + " tensor '" + name + "' is null");
            }
            if (array.getDataType() == DataType.BFLOAT16) {
                throw bfloat16(what + " tensor '" + name + "'");
            }
        }
    }

    /**
     * Encodes {@code tensors} onto {@code out} (which the caller closes); the arrays' own names are
     * restored afterwards.
     */
    static void write(OutputStream out, Map<String, NDArray> tensors, String fileName) throws IOException {
        // DJL takes safetensors keys from the arrays' names; the map's keys are the truth.
        Map<NDArray, String> originalNames = new IdentityHashMap<>();
        NDList list = new NDList(tensors.size());
        for (Map.Entry<String, NDArray> entry : new TreeMap<>(tensors).entrySet()) {
            NDArray array = entry.getValue();
            originalNames.putIfAbsent(array, array.getName());
            list.add(array);
        }
        if (originalNames.size() != list.size()) {
            throw new IllegalArgumentException("the same NDArray appears under two names in " + fileName
                    + "; save a copy (array.duplicate()) for the second name");
        }
        try {
            new TreeMap<>(tensors).forEach((name, array) -> array.setName(name));
            list.encode(out, NDList.Encoding.SAFETENSORS);
        } finally {
            originalNames.forEach(NDArray::setName);
        }
    }

    /** Reads every tensor of {@code file} into {@code manager}, by name. */
    static Map<String, NDArray> read(CheckpointStorage storage, Path file, NDManager manager) throws IOException {
        List<String> names = checkHeader(storage, file);
        NDList list;
        try (InputStream in = storage.open(file)) {
            list = NDList.decode(manager, in);
        } catch (RuntimeException e) {
            throw new CheckpointCorruptException(file, "DJL could not decode it as safetensors: " + e.getMessage(), e);
        }
        Map<String, NDArray> tensors = new TreeMap<>();
        for (NDArray array : list) {
            tensors.put(array.getName(), array);
        }
        if (!tensors.keySet().equals(new TreeSet<>(names))) {
            list.close();
            throw new CheckpointCorruptException(file, "decoded tensors " + tensors.keySet()
                    + " differ from the header's " + names);
        }
        return tensors;
    }

    /** The tensor names of the header, after refusing dtypes DJL cannot hold safely. */
    private static List<String> checkHeader(CheckpointStorage storage, Path file) throws IOException {
        long fileSize = storage.size(file);
        try (InputStream in = storage.open(file)) {
            byte[] prefix = in.readNBytes(8);
            if (prefix.length < 8) {
                throw new CheckpointCorruptException(file, "is " + fileSize + " bytes, too short for a safetensors"
                        + " header (8-byte length first)");
            }
            long headerBytes = ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerBytes < 2 || headerBytes > MAX_HEADER_BYTES || headerBytes > fileSize - 8) {
                throw new CheckpointCorruptException(file, "safetensors header length " + headerBytes
                        + " is impossible for a file of " + fileSize + " bytes");
            }
            byte[] header = in.readNBytes((int) headerBytes);
            JsonNode root;
            try {
                root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new CheckpointCorruptException(file, "safetensors header is not JSON: " + e.getMessage(), e);
            }
            if (!root.isObject()) {
                throw new CheckpointCorruptException(file, "safetensors header must be a JSON object, got "
                        + root.getNodeType());
            }
            List<String> names = new ArrayList<>();
            for (Map.Entry<String, JsonNode> tensor : root.properties()) {
                if (tensor.getKey().equals("__metadata__")) {
                    continue;
                }
                String dtype = tensor.getValue().path("dtype").asText();
                if (dtype.equals(DataType.BFLOAT16.asSafetensors())) {
                    throw bfloat16("tensor '" + tensor.getKey() + "' in " + file);
                }
                names.add(tensor.getKey());
            }
            return names;
        }
    }

    static UnsupportedOperationException bfloat16(String what) {
        return new UnsupportedOperationException(what + " is bfloat16, which checkpoint format v1 refuses:"
                + " DJL 0.36 can crash the JVM creating bfloat16 arrays. Convert it to float32 first"
                + " (array.toType(DataType.FLOAT32, false)).");
    }
}

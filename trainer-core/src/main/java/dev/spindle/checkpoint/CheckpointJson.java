package dev.spindle.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code manifest.json} and {@code state.json}, written field by field so that the file layout is
 * exactly the documented one, and read with a message naming the file and field at fault.
 */
final class CheckpointJson {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CheckpointJson() {}

    static byte[] manifest(Manifest manifest) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("formatVersion", manifest.formatVersion());
        root.put("step", manifest.step());
        root.put("createdAt", manifest.createdAt().toString());
        root.put("specDigest", manifest.specDigest());
        root.put("parametersDigest", manifest.parametersDigest());
        if (manifest.ranks() > 1) {
            root.put("ranks", manifest.ranks()); // absent means 1, so single-rank manifests stay as they were
        }
        if (manifest.mesh()) {
            root.put("tensor", manifest.tensor());
            root.put("pipeline", manifest.pipeline());
            ArrayNode places = root.putArray("places");
            for (Manifest.PlaceEntry place : manifest.places()) {
                places.addObject().put("tensorRank", place.tensorRank()).put("pipelineStage", place.pipelineStage())
                        .put("parametersDigest", place.parametersDigest());
            }
        }
        ArrayNode files = root.putArray("files");
        for (Manifest.FileEntry entry : manifest.files()) {
            files.addObject().put("path", entry.path()).put("size", entry.size()).put("sha256", entry.sha256());
        }
        return JSON.writeValueAsBytes(root);
    }

    static Manifest readManifest(Path file, byte[] content) throws CheckpointException {
        JsonNode root = parse(file, content);
        int version = formatVersion(file, root, CheckpointStore.MESH_FORMAT_VERSION);
        try {
            List<Manifest.FileEntry> files = new ArrayList<>();
            JsonNode list = field(file, root, "files");
            if (!list.isArray()) {
                throw new CheckpointCorruptException(file, "field 'files' must be an array, got " + list);
            }
            for (int i = 0; i < list.size(); i++) {
                JsonNode entry = list.get(i);
                String where = "files[" + i + "]";
                files.add(new Manifest.FileEntry(text(file, entry, "path", where), number(file, entry, "size", where),
                        text(file, entry, "sha256", where)));
            }
            long ranks = root.has("ranks") ? number(file, root, "ranks", "") : 1;
            if (ranks < 1 || ranks > Integer.MAX_VALUE) {
                throw new CheckpointCorruptException(file, "field 'ranks' must be an integer >= 1, got " + ranks);
            }
            int tensor = (int) positive(file, root, "tensor");
            int pipeline = (int) positive(file, root, "pipeline");
            List<Manifest.PlaceEntry> places = new ArrayList<>();
            if (root.has("places")) {
                JsonNode placeList = field(file, root, "places");
                for (int i = 0; i < placeList.size(); i++) {
                    JsonNode entry = placeList.get(i);
                    String where = "places[" + i + "]";
                    places.add(new Manifest.PlaceEntry((int) number(file, entry, "tensorRank", where),
                            (int) number(file, entry, "pipelineStage", where),
                            text(file, entry, "parametersDigest", where)));
                }
            }
            if ((version == CheckpointStore.MESH_FORMAT_VERSION) != (tensor * pipeline > 1)) {
                throw new CheckpointCorruptException(file, "has formatVersion " + version + " with tensor " + tensor
                        + " × pipeline " + pipeline + "; formatVersion 2 is for split checkpoints only (tensor ×"
                        + " pipeline > 1), 1 for whole models");
            }
            return new Manifest(version, number(file, root, "step", ""), instant(file, root),
                    text(file, root, "specDigest", ""), text(file, root, "parametersDigest", ""), (int) ranks,
                    tensor, pipeline, places, files);
        } catch (IllegalArgumentException invalid) {
            throw new CheckpointCorruptException(file, invalid.getMessage(), invalid);
        }
    }

    static byte[] state(TrainState state) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("formatVersion", CheckpointStore.FORMAT_VERSION);
        root.put("step", state.step());
        root.put("seed", state.seed());
        root.put("specDigest", state.specDigest());
        root.put("dataCursor", state.dataCursor());
        if (Double.isNaN(state.loss())) {
            root.putNull("loss"); // JSON has no NaN; null means "not measured"
        } else {
            root.put("loss", state.loss());
        }
        if (state.baseParametersDigest() != null) {
            // only in checkpoints that leave out a frozen base, so full checkpoints stay as they were
            root.put("baseParametersDigest", state.baseParametersDigest());
        }
        return JSON.writeValueAsBytes(root);
    }

    /**
     * A rank's {@code rank-NNNNN.json}: what it saved a checkpoint of, so that the manifest can vouch
     * for every rank's replica and a person can see which rank had which cursor.
     */
    static byte[] rankShard(int rank, int worldSize, TrainState state, String parametersDigest) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("formatVersion", CheckpointStore.FORMAT_VERSION);
        root.put("step", state.step());
        root.put("rank", rank);
        root.put("worldSize", worldSize);
        root.put("specDigest", state.specDigest());
        root.put("dataCursor", state.dataCursor());
        root.put("parametersDigest", parametersDigest);
        return JSON.writeValueAsBytes(root);
    }

    /**
     * A replica's {@code rank-NNNNN.json} in a mesh checkpoint: as {@link #rankShard}, with its place, and the
     * digest of that place's parameters.
     */
    static byte[] meshRankShard(int rank, int worldSize, ShardPlace place, TrainState state, String parametersDigest)
            throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(rankShard(rank, worldSize, state, parametersDigest));
        root.put("formatVersion", CheckpointStore.MESH_FORMAT_VERSION);
        putPlace(root, place);
        return JSON.writeValueAsBytes(root);
    }

    /** {@code layout-t<t>-p<p>.json}: the place and how each tensor of its two files is split. */
    static byte[] layout(ShardPlace place, Map<String, TensorSplit> parameters, Map<String, TensorSplit> optimizerState)
            throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("formatVersion", CheckpointStore.MESH_FORMAT_VERSION);
        putPlace(root, place);
        putSplits(root.putObject("parameters"), parameters);
        putSplits(root.putObject("optimizerState"), optimizerState);
        return JSON.writeValueAsBytes(root);
    }

    /** The splits of a layout file: {@code [parameters, optimizerState]}, checked against the expected place. */
    static List<Map<String, TensorSplit>> readLayout(Path file, byte[] content, ShardPlace expected)
            throws CheckpointException {
        JsonNode root = parse(file, content);
        formatVersion(file, root, CheckpointStore.MESH_FORMAT_VERSION);
        try {
            ShardPlace place = new ShardPlace((int) number(file, root, "tensorSize", ""),
                    (int) number(file, root, "tensorRank", ""), (int) number(file, root, "pipelineSize", ""),
                    (int) number(file, root, "pipelineStage", ""));
            if (!place.equals(expected)) {
                throw new CheckpointCorruptException(file, "describes " + place + " but the manifest puts it at "
                        + expected);
            }
            return List.of(splits(file, field(file, root, "parameters")),
                    splits(file, field(file, root, "optimizerState")));
        } catch (IllegalArgumentException invalid) {
            throw new CheckpointCorruptException(file, invalid.getMessage(), invalid);
        }
    }

    private static void putPlace(ObjectNode root, ShardPlace place) {
        root.put("tensorSize", place.tensorSize());
        root.put("tensorRank", place.tensorRank());
        root.put("pipelineSize", place.pipelineSize());
        root.put("pipelineStage", place.pipelineStage());
    }

    private static void putSplits(ObjectNode node, Map<String, TensorSplit> splits) {
        new TreeMap<>(splits).forEach((name, split) ->
                node.putObject(name).put("dim", split.dim()).put("chunks", split.chunks()));
    }

    private static Map<String, TensorSplit> splits(Path file, JsonNode node) throws CheckpointException {
        if (!node.isObject()) {
            throw new CheckpointCorruptException(file, "expected an object of name to {dim, chunks}, got " + node);
        }
        Map<String, TensorSplit> splits = new TreeMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            splits.put(entry.getKey(), new TensorSplit((int) number(file, entry.getValue(), "dim", entry.getKey()),
                    (int) number(file, entry.getValue(), "chunks", entry.getKey())));
        }
        return splits;
    }

    static TrainState readState(Path file, byte[] content) throws CheckpointException {
        JsonNode root = parse(file, content);
        formatVersion(file, root, CheckpointStore.FORMAT_VERSION);
        JsonNode loss = field(file, root, "loss");
        if (!loss.isNull() && !loss.isNumber()) {
            throw new CheckpointCorruptException(file, "field 'loss' must be a number or null, got " + loss);
        }
        String baseDigest = root.has("baseParametersDigest") ? text(file, root, "baseParametersDigest", "") : null;
        try {
            return new TrainState(number(file, root, "step", ""), number(file, root, "seed", ""),
                    text(file, root, "specDigest", ""), text(file, root, "dataCursor", ""),
                    loss.isNull() ? Double.NaN : loss.doubleValue(), baseDigest);
        } catch (IllegalArgumentException invalid) {
            throw new CheckpointCorruptException(file, invalid.getMessage(), invalid);
        }
    }

    private static JsonNode parse(Path file, byte[] content) throws CheckpointCorruptException {
        try {
            JsonNode root = JSON.readTree(content);
            if (root == null || !root.isObject()) {
                throw new CheckpointCorruptException(file, "expected a JSON object, got " + root);
            }
            return root;
        } catch (IOException e) {
            throw new CheckpointCorruptException(file, "is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Checked before any other field: a newer format may have changed all of them. */
    private static int formatVersion(Path file, JsonNode root, int newest) throws CheckpointException {
        JsonNode version = field(file, root, "formatVersion");
        if (!version.canConvertToLong() || !version.isIntegralNumber()) {
            throw new CheckpointCorruptException(file, "field 'formatVersion' must be an integer, got " + version);
        }
        if (version.longValue() < CheckpointStore.FORMAT_VERSION || version.longValue() > newest) {
            throw new UnsupportedCheckpointFormatException(file, version.longValue(), newest);
        }
        return version.intValue();
    }

    private static JsonNode field(Path file, JsonNode node, String name) throws CheckpointCorruptException {
        JsonNode value = node.get(name);
        if (value == null) {
            throw new CheckpointCorruptException(file, "field '" + name + "' is missing");
        }
        return value;
    }

    private static String text(Path file, JsonNode node, String name, String where)
            throws CheckpointCorruptException {
        JsonNode value = node.get(name);
        if (value == null || !value.isTextual()) {
            throw new CheckpointCorruptException(file, "field '" + prefix(where) + name + "' must be a string, got "
                    + value);
        }
        return value.textValue();
    }

    private static long number(Path file, JsonNode node, String name, String where)
            throws CheckpointCorruptException {
        JsonNode value = node.get(name);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new CheckpointCorruptException(file, "field '" + prefix(where) + name
                    + "' must be an integer, got " + value);
        }
        return value.longValue();
    }

    private static Instant instant(Path file, JsonNode root) throws CheckpointCorruptException {
        String text = text(file, root, "createdAt", "");
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new CheckpointCorruptException(file, "field 'createdAt' must be an ISO-8601 instant such as "
                    + "2026-01-31T12:00:00Z, got '" + text + "'", e);
        }
    }

    /** An optional integer field that is absent for 1 and otherwise >= 1. */
    private static long positive(Path file, JsonNode root, String name) throws CheckpointCorruptException {
        long value = root.has(name) ? number(file, root, name, "") : 1;
        if (value < 1 || value > Integer.MAX_VALUE) {
            throw new CheckpointCorruptException(file, "field '" + name + "' must be an integer >= 1, got " + value);
        }
        return value;
    }

    private static String prefix(String where) {
        return where.isEmpty() ? "" : where + ".";
    }
}

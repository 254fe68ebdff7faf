package dev.spindle.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The loader's position as a small JSON document that a checkpoint carries. Besides the position it
 * records what the position means (dataset digest, columns, sequence length, shuffle settings, shard),
 * so a cursor is refused, with the differing field named, by a loader it does not belong to.
 * Shuffle orders are pure functions of (seed, rank, epoch, window), so no generator state is stored.
 *
 * <p>Version 1 fields: {@code version, dataset, kind, columns, sequenceLength, shuffleBuffer, seed, rank,
 * worldSize, epoch, window, unit, offset, taken, batches}. {@code unit}/{@code offset} locate the start of
 * the current shuffle window (offset = row for tabular data, token for token data, which also carries
 * a sequence packed across record batches); {@code taken} counts the window's samples already handed out.
 */
final class LoaderCursor {

    static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    private LoaderCursor() {}

    /** The state at the start of a dataset. */
    static ShuffleWindow.State start() {
        return new ShuffleWindow.State(0, 0, 0, 0, 0);
    }

    static String write(Dataset dataset, LoaderOptions options, ShuffleWindow.State s, long batches) {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", VERSION);
        n.put("dataset", dataset.digest());
        n.put("kind", options.kind().name());
        var columns = n.putArray("columns");
        columns(dataset, options).forEach(columns::add);
        n.put("sequenceLength", options.kind() == DatasetKind.TOKENS ? options.sequenceLength() : 0);
        n.put("shuffleBuffer", options.shuffleBuffer());
        n.put("seed", options.seed());
        n.put("rank", options.rank());
        n.put("worldSize", options.worldSize());
        n.put("epoch", s.epoch());
        n.put("window", s.window());
        n.put("unit", s.startUnit());
        n.put("offset", s.startOffset());
        n.put("taken", s.taken());
        n.put("batches", batches);
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of numbers and strings always serializes", e);
        }
    }

    /** A cursor read back and checked against the loader it is given to. */
    record Parsed(ShuffleWindow.State state, long batches) {}

    static Parsed read(String cursor, Dataset dataset, LoaderOptions options) {
        JsonNode n;
        try {
            n = JSON.readTree(cursor);
        } catch (JsonProcessingException e) {
            throw new DataException("cursor is not JSON (" + e.getOriginalMessage() + "); pass the string that"
                    + " BatchSource.cursor() returned, or null to start from the beginning", e);
        }
        if (n == null || !n.isObject()) {
            throw new DataException("cursor must be a JSON object as written by BatchSource.cursor(), got " + cursor);
        }
        int version = n.path("version").asInt(-1);
        if (version != VERSION) {
            throw new DataException("cursor version " + n.path("version") + " is not supported; this loader reads"
                    + " version " + VERSION);
        }
        int worldSize = (int) number(n, "worldSize");
        if (worldSize != options.worldSize()) {
            throw new DataException("cursor was written for worldSize " + worldSize + " but the loader has worldSize "
                    + options.worldSize() + ": re-sharding a data cursor is not supported yet; resume with the same"
                    + " worldSize or start without a cursor");
        }
        same(n, "rank", options.rank());
        same(n, "kind", options.kind().name());
        same(n, "sequenceLength", options.kind() == DatasetKind.TOKENS ? options.sequenceLength() : 0);
        same(n, "shuffleBuffer", options.shuffleBuffer());
        same(n, "seed", options.seed());
        List<String> columns = new ArrayList<>();
        n.path("columns").forEach(c -> columns.add(c.asText()));
        if (!columns.equals(columns(dataset, options))) {
            throw new DataException("cursor columns " + columns + " differ from the loader's "
                    + columns(dataset, options) + "; a cursor only resumes the loader it came from");
        }
        if (!dataset.digest().equals(n.path("dataset").asText())) {
            throw new DataException("cursor belongs to another dataset (digest " + n.path("dataset").asText()
                    + ", this dataset at " + options.uri() + " is " + dataset.digest() + "): files, sizes or record"
                    + " batches differ");
        }
        ShuffleWindow.State s = new ShuffleWindow.State(number(n, "epoch"), number(n, "window"),
                Math.toIntExact(number(n, "unit")), Math.toIntExact(number(n, "offset")),
                Math.toIntExact(number(n, "taken")));
        if (s.epoch() < 0 || s.window() < 0) {
            throw new DataException("cursor epoch " + s.epoch() + " and window " + s.window() + " must be >= 0");
        }
        return new Parsed(s, number(n, "batches"));
    }

    private static List<String> columns(Dataset dataset, LoaderOptions options) {
        ColumnLayout l = dataset.layout();
        if (options.kind() == DatasetKind.TOKENS) {
            return List.of(l.tokensColumn());
        }
        List<String> c = new ArrayList<>(l.features());
        c.add(l.labelColumn());
        return c;
    }

    private static long number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToLong()) {
            throw new DataException("cursor field \"" + field + "\" is " + (v == null ? "missing" : v.toString())
                    + "; expected an integer (was the cursor edited?)");
        }
        return v.asLong();
    }

    private static void same(JsonNode n, String field, Object expected) {
        JsonNode v = n.get(field);
        String found = v == null ? "missing" : v.asText();
        if (!Objects.equals(found, String.valueOf(expected))) {
            throw new DataException("cursor field \"" + field + "\" is " + found + " but the loader has " + expected
                    + "; a cursor only resumes a loader with the same dataset and options");
        }
    }
}

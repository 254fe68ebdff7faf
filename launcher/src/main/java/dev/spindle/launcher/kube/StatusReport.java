package dev.spindle.launcher.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.launcher.kube.render.JobNames;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the coordinator last wrote to the job's status ConfigMap ({@code J-status}, key {@code status.json}):
 * <pre>{@code {"phase": "Running", "generation": 2, "worldSize": 4, "desiredWorkers": 4, "step": 120,
 *  "totalSteps": 600, "loss": 2.31, "checkpointStep": 100, "message": "", "ranks": {"0": "gpt-worker-x2k9f"},
 *  "updated": "2026-11-30T04:00:00Z"}}</pre>
 * {@link #EMPTY} (phase empty) until the coordinator has written anything. The coordinator pod writes it with
 * {@link #toJson()}, the launcher reads it with {@link #parse}: one record for both sides of the format.
 *
 * @param phase {@code Forming}, {@code Running}, {@code Succeeded}, {@code Failed}, or empty
 * @param loss the last reported loss, {@code NaN} before the first step
 * @param ranks worker pod name by rank, in rank order
 */
public record StatusReport(String phase, long generation, int worldSize, int desiredWorkers, long step,
                           long totalSteps, double loss, long checkpointStep, String message,
                           Map<Integer, String> ranks, String updated) {

    /** The key of the status ConfigMap that holds the report. */
    public static final String KEY = JobNames.KEY_STATUS;

    /** Nothing reported yet: what the launcher creates, {@code {}}. */
    public static final StatusReport EMPTY = new StatusReport("", 0, 0, 0, 0, 0, Double.NaN, -1, "", Map.of(), "");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The phases the coordinator writes: Forming until the first generation starts, then Running, then the end. */
    public enum Phase { Forming, Running, Succeeded, Failed }

    public StatusReport {
        phase = phase == null ? "" : phase;
        message = message == null ? "" : message;
        updated = updated == null ? "" : updated;
        ranks = Map.copyOf(ranks);
    }

    /**
     * Reads the coordinator's JSON; absent fields take their {@link #EMPTY} values.
     *
     * @throws KubeException if the text is not a JSON object (the coordinator never writes that)
     */
    public static StatusReport parse(String json) {
        if (json == null || json.isBlank()) {
            return EMPTY;
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new KubeException(KEY + " is not JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (!root.isObject()) {
            throw new KubeException(KEY + " is not a JSON object: " + abbreviate(json));
        }
        Map<Integer, String> ranks = new TreeMap<>();
        root.path("ranks").fields().forEachRemaining(e -> {
            try {
                ranks.put(Integer.parseInt(e.getKey()), e.getValue().asText());
            } catch (NumberFormatException notARank) {
                throw new KubeException(KEY + ": ranks key '" + e.getKey() + "' is not a whole number", notARank);
            }
        });
        JsonNode loss = root.path("loss");
        return new StatusReport(root.path("phase").asText(""), root.path("generation").asLong(0),
                root.path("worldSize").asInt(0), root.path("desiredWorkers").asInt(0), root.path("step").asLong(0),
                root.path("totalSteps").asLong(0), loss.isNumber() ? loss.asDouble() : Double.NaN,
                root.path("checkpointStep").asLong(-1), root.path("message").asText(""), ranks,
                root.path("updated").asText(""));
    }

    /** The same report, stamped {@code at} (ISO-8601). */
    public StatusReport withUpdated(String at) {
        return new StatusReport(phase, generation, worldSize, desiredWorkers, step, totalSteps, loss, checkpointStep,
                message, ranks, at);
    }

    /** The JSON the ConfigMap holds, keys in the documented order; no loss or checkpoint yet is {@code null}. */
    public String toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("phase", phase);
        out.put("generation", generation);
        out.put("worldSize", worldSize);
        out.put("desiredWorkers", desiredWorkers);
        out.put("step", step);
        out.put("totalSteps", totalSteps);
        out.put("loss", Double.isFinite(loss) ? loss : null);
        out.put("checkpointStep", checkpointStep >= 0 ? checkpointStep : null);
        out.put("message", message);
        Map<String, String> byRank = new LinkedHashMap<>();
        new TreeMap<>(ranks).forEach((rank, pod) -> byRank.put(Integer.toString(rank), pod));
        out.put("ranks", byRank);
        out.put("updated", updated);
        try {
            return JSON.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status not representable as JSON: " + out, e);
        }
    }

    /** Whether the coordinator has reported anything. */
    public boolean reported() {
        return !phase.isEmpty();
    }

    /** The pod of {@code rank} in the current generation. */
    public Optional<String> podOfRank(int rank) {
        return Optional.ofNullable(ranks.get(rank));
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}

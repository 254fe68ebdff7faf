package dev.spindle.launcher.kube.pod;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One snapshot of a job on Kubernetes, as the coordinator pod writes it to the {@code J-status} ConfigMap
 * (key {@code status.json}) for {@code spindle status} and {@code spindle submit} to read:
 *
 * <pre>{@code
 * {"phase": "Running", "generation": 2, "worldSize": 4, "desiredWorkers": 4, "step": 120, "totalSteps": 600,
 *  "loss": 2.31, "checkpointStep": 100, "message": "...", "ranks": {"0": "mnist-worker-x7k2p", ...},
 *  "updated": "2026-11-30T04:00:00Z"}
 * }</pre>
 *
 * {@code loss} and {@code checkpointStep} are {@code null} until there is one.
 *
 * @param phase Forming until the first generation starts, then Running, then Succeeded or Failed
 * @param generation the newest generation (0 before the first)
 * @param ranks worker pod name by rank, in the newest generation
 */
public record JobStatus(Phase phase, long generation, int worldSize, int desiredWorkers, long step, long totalSteps,
        OptionalDouble loss, OptionalLong checkpointStep, String message, SortedMap<Integer, String> ranks,
        Instant updated) {

    /** The key of the status in the ConfigMap. */
    public static final String KEY = "status.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the job is. */
    public enum Phase { Forming, Running, Succeeded, Failed }

    public JobStatus {
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(checkpointStep, "checkpointStep");
        message = message == null ? "" : message;
        ranks = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(ranks));
        Objects.requireNonNull(updated, "updated");
    }

    /** The same status, stamped {@code at}. */
    public JobStatus withUpdated(Instant at) {
        return new JobStatus(phase, generation, worldSize, desiredWorkers, step, totalSteps, loss, checkpointStep,
                message, ranks, at);
    }

    /** The JSON the ConfigMap holds, keys in the documented order. */
    public String toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("phase", phase.name());
        out.put("generation", generation);
        out.put("worldSize", worldSize);
        out.put("desiredWorkers", desiredWorkers);
        out.put("step", step);
        out.put("totalSteps", totalSteps);
        out.put("loss", loss.isPresent() && Double.isFinite(loss.getAsDouble()) ? loss.getAsDouble() : null);
        out.put("checkpointStep", checkpointStep.isPresent() ? checkpointStep.getAsLong() : null);
        out.put("message", message);
        Map<String, String> byRank = new LinkedHashMap<>();
        ranks.forEach((rank, pod) -> byRank.put(Integer.toString(rank), pod));
        out.put("ranks", byRank);
        out.put("updated", updated.toString());
        try {
            return JSON.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status not representable as JSON: " + out, e);
        }
    }
}

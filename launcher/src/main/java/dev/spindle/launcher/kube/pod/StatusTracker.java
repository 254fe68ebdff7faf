package dev.spindle.launcher.kube.pod;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spindle.launcher.kube.StatusReport.Phase;
import dev.spindle.launcher.kube.StatusReport;
import dev.spindle.train.StepMetrics;
import dev.spindle.train.TrainListener;
import java.time.Instant;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Builds the job's {@link StatusReport} from what the coordinator writes to its run directory: the events of
 * {@code events.jsonl} (generations, rank assignments, commits, the end) and the steps of {@code metrics.jsonl},
 * both read by {@link dev.spindle.launcher.MetricsFeed}. A generation, a commit and the end are milestones: the
 * publisher writes them at once instead of waiting for its next slot.
 *
 * <p>Used from one thread, the one that polls the feed.
 */
final class StatusTracker implements TrainListener, Consumer<JsonNode> {

    private Phase phase = Phase.Forming;
    private long generation;
    private int worldSize;
    private int desiredWorkers;
    private long step;
    private final long totalSteps;
    private OptionalDouble loss = OptionalDouble.empty();
    private OptionalLong checkpointStep = OptionalLong.empty();
    private String message = "waiting for the workers to join";
    private final TreeMap<Integer, String> ranks = new TreeMap<>();
    private boolean milestone;

    StatusTracker(int desiredWorkers, long startStep, long totalSteps) {
        this.desiredWorkers = desiredWorkers;
        this.step = startStep;
        this.totalSteps = totalSteps;
    }

    /** One line of {@code events.jsonl}. */
    @Override
    public void accept(JsonNode event) {
        switch (event.path("event").asText()) {
            case "coordinator-started" -> {
                desiredWorkers = event.path("desiredWorkers").asInt(desiredWorkers);
                long restore = event.path("restoreStep").asLong(-1);
                if (restore >= 0) {
                    checkpointStep = OptionalLong.of(restore);
                }
            }
            case "rendezvous-waiting" -> message = event.path("registered").asInt() + " of "
                    + event.path("desiredWorkers").asInt() + " workers joined; waiting for the rest";
            case "generation-started" -> {
                generation = event.path("generation").asLong();
                worldSize = event.path("worldSize").asInt();
                ranks.clear();
                if (phase == Phase.Forming) {
                    phase = Phase.Running;
                }
                long restore = event.path("restoreStep").asLong(-1);
                message = "generation " + generation + " of " + worldSize + " workers started "
                        + (restore < 0 ? "from the start" : "from checkpoint step " + restore)
                        + reason(event);
                milestone = true;
            }
            case "assignment" -> {
                if (event.path("generation").asLong() == generation) {
                    ranks.put(event.path("rank").asInt(), event.path("workerId").asText());
                }
            }
            case "checkpoint-committed" -> {
                checkpointStep = OptionalLong.of(event.path("step").asLong());
                milestone = true;
            }
            case "worker-failed" -> message = "rank " + event.path("rank").asInt() + " failed: "
                    + event.path("message").asText();
            case "member-downed" -> message = "worker " + event.path("address").asText() + " was removed ("
                    + event.path("reason").asText() + ")";
            case "job-finished" -> end(true, event.path("message").asText("finished"));
            case "job-failed" -> end(false, event.path("message").asText("failed"));
            default -> {
                // other events (members joining, stragglers) do not change the status
            }
        }
    }

    private static String reason(JsonNode event) {
        String reason = event.path("reason").asText("");
        return reason.isBlank() ? "" : " (" + reason + ")";
    }

    /** One step of {@code metrics.jsonl}. */
    @Override
    public void onStep(StepMetrics m) {
        step = m.step();
        loss = OptionalDouble.of(m.loss());
    }

    /** The job ended: Succeeded or Failed with {@code why}; a milestone. */
    void end(boolean succeeded, String why) {
        phase = succeeded ? Phase.Succeeded : Phase.Failed;
        message = why;
        milestone = true;
    }

    /** Whether a milestone happened since the last call (and clears it). */
    boolean takeMilestone() {
        boolean was = milestone;
        milestone = false;
        return was;
    }

    StatusReport snapshot(Instant now) {
        return new StatusReport(phase.name(), generation, worldSize, desiredWorkers, step, totalSteps,
                loss.orElse(Double.NaN), checkpointStep.orElse(-1), message, ranks, now.toString());
    }
}

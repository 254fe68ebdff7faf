package dev.spindle.launcher.kube.pod;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.launcher.kube.StatusReport;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Writes the job's {@link StatusReport} into its status ConfigMap, at most every {@link #MIN_INTERVAL} and at once
 * for a milestone (a generation, a commit, the end). One JSON merge patch of {@code data."status.json"} per write,
 * which the coordinator's Role allows ({@code patch} on that one ConfigMap) and which leaves the rest of the
 * object alone. A write that fails is reported on {@code err} (once per distinct reason) and does not stop the
 * job: the status is a view, training goes on without it.
 *
 * <pre>{@code
 * StatusPublisher publisher = StatusPublisher.toConfigMap(client, "ml", "mnist-status", err);
 * publisher.offer(tracker.snapshot(Instant.now()), tracker.takeMilestone());   // in the poll loop
 * publisher.flush();                                                           // at the end
 * }</pre>
 */
final class StatusPublisher {

    /** The shortest time between two writes that are not milestones. */
    static final Duration MIN_INTERVAL = Duration.ofSeconds(2);

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where a status goes: one write of the status JSON. */
    @FunctionalInterface
    interface Sink {
        void write(String statusJson);
    }

    private final Sink sink;
    private final LongSupplier nanoClock;
    private final PrintWriter err;
    private final String where;
    private long lastWrite;
    private boolean written;
    private StatusReport lastWritten;
    private StatusReport pending;
    private String lastFailure;
    private int writes;

    StatusPublisher(Sink sink, LongSupplier nanoClock, PrintWriter err, String where) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.err = Objects.requireNonNull(err, "err");
        this.where = where;
    }

    /** A publisher that patches key {@value StatusReport#KEY} of ConfigMap {@code namespace/name}. */
    static StatusPublisher toConfigMap(KubernetesClient client, String namespace, String name, PrintWriter err) {
        return new StatusPublisher(json -> client.configMaps().inNamespace(namespace).withName(name)
                .patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch(json)), System::nanoTime, err,
                "ConfigMap " + namespace + "/" + name);
    }

    static String mergePatch(String statusJson) {
        try {
            return JSON.writeValueAsString(Map.of("data", Map.of(StatusReport.KEY, statusJson)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes {@code status} now if it is a milestone or {@link #MIN_INTERVAL} has passed since the last write,
     * else keeps it for the next call or {@link #flush()}. A status equal to the last written one (but for its
     * time) is not written again.
     *
     * @return whether it was written
     */
    boolean offer(StatusReport status, boolean milestone) {
        pending = status;
        boolean due = !written || nanoClock.getAsLong() - lastWrite >= MIN_INTERVAL.toNanos();
        return (milestone || due) && flush();
    }

    /** Writes the status kept by {@link #offer} if there is one that differs from the last written. */
    boolean flush() {
        if (pending == null || (lastWritten != null && sameButTime(pending, lastWritten))) {
            pending = null;
            return false;
        }
        StatusReport status = pending;
        pending = null;
        lastWrite = nanoClock.getAsLong();
        written = true;
        try {
            sink.write(status.toJson());
            lastWritten = status;
            writes++;
            lastFailure = null;
            return true;
        } catch (RuntimeException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            if (!why.equals(lastFailure)) {
                err.println("spindle: could not write the job status to " + where + " (" + why
                        + "); training goes on, 'spindle status' shows older numbers");
                err.flush();
            }
            lastFailure = why;
            return false;
        }
    }

    /** How many writes succeeded (diagnostics, tests). */
    int writes() {
        return writes;
    }

    private static boolean sameButTime(StatusReport a, StatusReport b) {
        return a.withUpdated("").equals(b.withUpdated(""));
    }
}

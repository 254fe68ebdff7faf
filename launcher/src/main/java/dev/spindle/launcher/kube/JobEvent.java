package dev.spindle.launcher.kube;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Something that happened to a submitted job, as {@code spindle submit} prints it while following:
 * pods scheduled and started, the gang formed, progress, checkpoints, the end.
 *
 * <pre>{@code
 * JobStatus last = job.await(Duration.ofHours(2), event -> System.out.println(event.line()));
 * }</pre>
 */
public sealed interface JobEvent {

    /** The line a person reads. */
    String line();

    /** A pod appeared, was scheduled, or changed phase. */
    record PodChanged(PodState pod, String change) implements JobEvent {
        @Override
        public String line() {
            return pod.component() + " pod " + pod.name() + " " + change;
        }
    }

    /** The coordinator started a generation: every rank has its assignment. */
    record ClusterFormed(long generation, int worldSize) implements JobEvent {
        @Override
        public String line() {
            return "cluster formed: generation " + generation + " with " + worldSize + " worker(s)";
        }
    }

    /** The coordinator reported a step. */
    record Progress(long step, long totalSteps, double loss) implements JobEvent {
        @Override
        public String line() {
            return "step " + step + "/" + totalSteps + (Double.isNaN(loss) ? "" : String.format(", loss %.4f", loss));
        }
    }

    /** A checkpoint was committed (every shard durable). */
    record CheckpointCommitted(long step) implements JobEvent {
        @Override
        public String line() {
            return "checkpoint committed at step " + step;
        }
    }

    /** The job's phase changed; a terminal phase ends following. */
    record PhaseChanged(JobPhase phase, String message) implements JobEvent {
        @Override
        public String line() {
            return "job " + phase.word() + (message.isEmpty() ? "" : ": " + message);
        }
    }

    /**
     * The events between two observations of a job, in the order a person would tell them: pods, then the
     * gang, checkpoints and progress, then the phase.
     */
    static List<JobEvent> between(JobStatus before, JobStatus after) {
        List<JobEvent> events = new ArrayList<>();
        Map<String, PodState> old = new HashMap<>();
        if (before != null) {
            before.pods().forEach(p -> old.put(p.name(), p));
        }
        for (PodState pod : after.pods()) {
            PodState was = old.get(pod.name());
            if (was == null) {
                events.add(new PodChanged(pod, "created"));
            }
            if (pod.scheduled() && (was == null || !was.scheduled())) {
                events.add(new PodChanged(pod, "scheduled on " + pod.node()));
            }
            if ((was == null ? !"Pending".equals(pod.phase()) : !was.phase().equals(pod.phase()))) {
                events.add(new PodChanged(pod, pod.phase() + (pod.reason().isEmpty() ? "" : " (" + pod.reason() + ")")));
            }
        }
        StatusReport was = before == null ? StatusReport.EMPTY : before.report();
        StatusReport now = after.report();
        if ("Running".equals(now.phase()) && now.generation() > 0
                && (now.generation() != was.generation() || !"Running".equals(was.phase()))) {
            events.add(new ClusterFormed(now.generation(), now.worldSize()));
        }
        if (now.checkpointStep() >= 0 && now.checkpointStep() != was.checkpointStep()) {
            events.add(new CheckpointCommitted(now.checkpointStep()));
        }
        if (now.step() > 0 && now.step() != was.step()) {
            events.add(new Progress(now.step(), now.totalSteps(), now.loss()));
        }
        if (before == null || before.phase() != after.phase()) {
            events.add(new PhaseChanged(after.phase(), after.message()));
        }
        return events;
    }
}

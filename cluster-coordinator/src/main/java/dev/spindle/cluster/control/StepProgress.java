package dev.spindle.cluster.control;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One generation's step reports: when every rank reported a step it writes the step's line of
 * {@code metrics.jsonl} (sample-weighted loss, samples/s over the slowest rank) and watches for stragglers.
 * Owned by the coordinator actor; not thread-safe.
 */
final class StepProgress {

    /** Steps whose reports are kept while waiting for the slowest rank's. */
    static final int PENDING_STEPS = 1024;

    private final long generation;
    private final List<String> workerIds;
    private final StragglerPolicy straggler;
    private final RunLog log;
    private final TreeMap<Long, Map<Integer, Progress>> pending = new TreeMap<>();
    private final int[] slowStreak;
    private long newest;

    StepProgress(long generation, List<String> workerIds, StragglerPolicy straggler, RunLog log) {
        this.generation = generation;
        this.workerIds = List.copyOf(workerIds);
        this.straggler = straggler;
        this.log = log;
        this.slowStreak = new int[workerIds.size()];
    }

    /** Takes a report of this generation (rank checked by the caller). */
    void report(Progress p) {
        newest = Math.max(newest, p.step());
        Map<Integer, Progress> step = pending.computeIfAbsent(p.step(), s -> new HashMap<>());
        step.put(p.rank(), p);
        if (step.size() == workerIds.size()) {
            pending.remove(p.step());
            complete(p.step(), step);
        }
        pending.headMap(newest - PENDING_STEPS).clear();   // a rank that never reports must not grow this
    }

    private void complete(long step, Map<Integer, Progress> byRank) {
        double weighted = 0;
        long samples = 0;
        long tokens = 0;
        double slowest = 0;
        double[] millis = new double[workerIds.size()];
        for (Progress p : byRank.values()) {
            weighted += p.loss() * p.samples();
            samples += p.samples();
            tokens += p.tokens();
            slowest = Math.max(slowest, p.stepMillis());
            millis[p.rank()] = p.stepMillis();
        }
        double loss = samples == 0 ? byRank.values().stream().mapToDouble(Progress::loss).average().orElse(0)
                : weighted / samples;
        double perSecond = slowest > 0 ? samples / (slowest / 1000.0) : 0;
        // The fields and names of a single worker's metrics.jsonl, plus generation, samples and ranks.
        Progress lead = byRank.get(0);
        java.util.List<Object> fields = new java.util.ArrayList<>(java.util.List.of("step", step,
                "generation", generation, "loss", loss));
        if (lead != null && !Double.isNaN(lead.learningRate())) {
            fields.addAll(java.util.List.of("lr", lead.learningRate()));
        }
        fields.addAll(java.util.List.of("samplesPerSec", round(perSecond),
                "tokensPerSec", round(slowest > 0 ? tokens / (slowest / 1000.0) : 0), "stepMillis", round(slowest),
                "samples", samples, "ranks", workerIds.size()));
        if (lead != null && !Double.isNaN(lead.evalLoss())) {
            fields.addAll(java.util.List.of("evalLoss", lead.evalLoss()));
        }
        log.metric(fields.toArray());
        for (int rank = 0; rank < millis.length && millis.length > 1; rank++) {
            double median = medianOfOthers(millis, rank);
            if (straggler.slow(millis[rank], median)) {
                if (++slowStreak[rank] == straggler.consecutiveSteps()) {
                    log.event("straggler", "generation", generation, "rank", rank, "workerId", workerIds.get(rank),
                            "step", step, "stepMillis", millis[rank], "median", median);
                }
            } else {
                slowStreak[rank] = 0;
            }
        }
    }

    private static double round(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }

    /** The median step time of the ranks other than {@code rank} (so one slow rank of two still shows). */
    static double medianOfOthers(double[] millis, int rank) {
        double[] others = new double[millis.length - 1];
        for (int i = 0, j = 0; i < millis.length; i++) {
            if (i != rank) {
                others[j++] = millis[i];
            }
        }
        Arrays.sort(others);
        int n = others.length;
        return n % 2 == 1 ? others[n / 2] : (others[n / 2 - 1] + others[n / 2]) / 2;
    }
}

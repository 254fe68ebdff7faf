package dev.spindle.launcher;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.cluster.control.CheckpointCommitter;
import dev.spindle.cluster.control.CoordinatorSettings;
import dev.spindle.cluster.control.JobOutcome;
import dev.spindle.cluster.control.StragglerPolicy;
import dev.spindle.cluster.security.JobSecret;
import dev.spindle.data.IngestionLog;
import dev.spindle.data.storage.Storage;
import dev.spindle.model.Model;
import dev.spindle.spec.ElasticSpec;
import dev.spindle.spec.JobSpec;
import dev.spindle.spec.SpecWriter;
import dev.spindle.train.TrainResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The coordinator's side of a job that several worker processes train, wherever they run: spawned on this
 * machine ({@code spindle train --workers N}) or started as pods by Kubernetes ({@code spindle coordinate}).
 * It checks the job and the run directory before anything starts, sets up the coordinator, follows the
 * run's metrics and events, and turns the coordinator's outcome into a summary or a failure that says
 * where to resume from.
 *
 * <pre>{@code
 * CoordinatedRun run = CoordinatedRun.prepare(job, options);          // JobException: nothing was started
 * try (CoordinatorNode node = CoordinatorNode.start(run.settings(host, port, secret, tlsDir, run.workers()))) {
 *     MetricsFeed feed = run.follow(event -> ...);                     // options' listeners see every step
 *     JobOutcome outcome = node.outcome().get();                       // poll the feed meanwhile
 *     RunSummary summary = run.finish(outcome, feed);                  // RunFailedException if it failed
 * }
 * }</pre>
 */
public final class CoordinatedRun {

    private final JobSpec job;
    private final JobPlan plan;
    private final TrainOptions options;
    private final Path runDir;
    private final String checkpoints;
    private final CheckpointStore store;
    private final Optional<CheckpointInfo> resumedFrom;

    private CoordinatedRun(JobSpec job, JobPlan plan, TrainOptions options, Path runDir, String checkpoints,
            CheckpointStore store, Optional<CheckpointInfo> resumedFrom) {
        this.job = job;
        this.plan = plan;
        this.options = options;
        this.runDir = runDir;
        this.checkpoints = checkpoints;
        this.store = store;
        this.resumedFrom = resumedFrom;
    }

    /**
     * Checks everything that can be checked before a worker starts (the model settings, the datasets and their
     * fit to the model, a checkpoint already at the location without {@code resume}) and readies the run
     * directory: the resolved spec as {@code job.yaml}, and a fresh start drops the logs of an earlier one.
     *
     * @throws JobException listing every problem; nothing was written then
     */
    public static CoordinatedRun prepare(JobSpec job, TrainOptions options) throws IOException {
        if (job.spec().peft() != null) {
            throw new JobException("spec.peft: a fine-tuning job trains with one worker for now (the adapter is"
                    + " written by the single-process path); drop --workers or set spec.parallelism.data: 1");
        }
        JobPlan plan = JobPlan.of(job, options.baseDirectory());
        plan.prepareDataIfMissing();
        Path runDir = options.runDirectory().toAbsolutePath();
        String checkpoints = plan.checkpointLocation(runDir);
        List<String> problems = new ArrayList<>(plan.checkModelConfig());
        if (!problems.isEmpty()) {
            throw new JobException(problems);
        }
        Optional<CheckpointInfo> latest;
        try (NDManager manager = NDManager.newBaseManager(); Model model = ModelSetup.create(job, manager)) {
            latest = LocalTraining.preflight(plan, model, checkpoints, options.resume());
        }
        Files.createDirectories(runDir);
        Files.writeString(runDir.resolve("job.yaml"), SpecWriter.toYaml(job), StandardCharsets.UTF_8);
        if (latest.isEmpty()) {
            for (String name : List.of("metrics.jsonl", ClusterTraining.EVENTS_FILE, IngestionLog.FILE_NAME)) {
                Files.deleteIfExists(runDir.resolve(name));
            }
        }
        CheckpointStore store = Storage.checkpoints(checkpoints, job.spec().checkpoint().keep());
        return new CoordinatedRun(job, plan, options, runDir, checkpoints, store, latest);
    }

    /** The run directory, absolute: {@code job.yaml}, {@code events.jsonl}, {@code metrics.jsonl}. */
    public Path runDirectory() {
        return runDir;
    }

    /** The workers the job asks for: one per rank of its mesh (data × tensor × pipeline). */
    public int workers() {
        return plan.workers();
    }

    /** The step training starts from: the newest committed checkpoint's when resuming, else 0. */
    public long startStep() {
        return resumedFrom.map(CheckpointInfo::step).orElse(0L);
    }

    /** The step the job ends at: {@code spec.training.steps}, or the options' {@code stopAt} if lower. */
    public long totalSteps() {
        return Math.min(job.spec().training().steps(), options.stopAt());
    }

    /**
     * The coordinator for {@code workers} workers on {@code host:port}, with the spec's elastic bounds, rendezvous
     * timeout and checkpoint interval, committing into the job's checkpoint location. Generations come in whole
     * model replicas of tensor × pipeline workers.
     */
    public CoordinatorSettings settings(String host, int port, JobSecret secret, Path tlsDir, int workers) {
        ElasticSpec elastic = job.spec().elastic();
        return new CoordinatorSettings(job.metadata().name(), host, port, secret, tlsDir, workers,
                elastic.minWorkers(), elastic.maxWorkers(), Duration.ofSeconds(elastic.rendezvousTimeoutSeconds()),
                totalSteps(), job.spec().checkpoint().everySteps(), CheckpointCommitter.of(store), runDir,
                StragglerPolicy.DEFAULT, plan.modelParallelSize());
    }

    /**
     * Starts following the coordinator's {@code metrics.jsonl} and {@code events.jsonl}: the options' listeners
     * hear {@code onStart} now and each new step at every {@link MetricsFeed#poll()}, {@code onEvent} each event.
     */
    public MetricsFeed follow(Consumer<JsonNode> onEvent) {
        MetricsFeed feed = new MetricsFeed(runDir, options.listeners(), startStep(), onEvent);
        options.listeners().forEach(l -> l.onStart(startStep(), job.spec().training().steps()));
        return feed;
    }

    /**
     * The summary of a run that succeeded, after the feed's last lines.
     *
     * @throws RunFailedException if the job failed, with the coordinator's reason and the checkpoint to resume from
     */
    public RunSummary finish(JobOutcome outcome, MetricsFeed feed) throws IOException {
        feed.poll();
        if (!outcome.succeeded()) {
            throw new RunFailedException("training failed: " + outcome.message() + "; " + resumeHint(), null);
        }
        Optional<CheckpointInfo> last = store.latest();
        double loss = MetricsFile.lastLoss(runDir.resolve("metrics.jsonl"));
        TrainResult result = new TrainResult(startStep(), outcome.finalStep(), loss, last,
                outcome.finalStep() < job.spec().training().steps());
        return new RunSummary(runDir, result, last.map(CheckpointInfo::parametersDigest), Optional.empty(),
                checkpoints);
    }

    /** Where a failed run continues from, for its failure message. */
    public String resumeHint() {
        try {
            return store.latest().map(c -> "the newest checkpoint is step " + c.step()
                    + "; continue with --resume once the cause is fixed").orElse("no checkpoint was committed yet");
        } catch (IOException | RuntimeException e) {
            return "the checkpoints could not be read (" + e.getMessage() + ")";
        }
    }
}

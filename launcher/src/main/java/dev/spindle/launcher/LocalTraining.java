package dev.spindle.launcher;

import ai.djl.ndarray.NDManager;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.LoadedCheckpoint;
import dev.spindle.checkpoint.ShardLayout;
import dev.spindle.collective.Collectives;
import dev.spindle.data.DataLoaders;
import dev.spindle.data.IngestionLog;
import dev.spindle.data.prepare.ByteTokenizer;
import dev.spindle.data.storage.Storage;
import dev.spindle.model.Model;
import dev.spindle.model.gpt.TextSampler;
import dev.spindle.peft.image.AdapterImages;
import dev.spindle.peft.image.ImageRef;
import dev.spindle.peft.image.PushResult;
import dev.spindle.spec.JobSpec;
import dev.spindle.spec.OutputSpec;
import dev.spindle.spec.SpecWriter;
import dev.spindle.train.BatchSource;
import dev.spindle.train.TrainListener;
import dev.spindle.train.Trainer;
import dev.spindle.train.TrainerSettings;
import dev.spindle.train.TrainResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One job on this machine, one worker: checks everything it can before training, then builds the
 * model, optimizer, loaders and checkpoint store from the spec and runs the step loop.
 */
final class LocalTraining {

    private static final String SAMPLE_PROMPT = "The ";
    private static final double SAMPLE_TEMPERATURE = 0.8;
    private static final int SAMPLE_TOP_K = 40;

    private LocalTraining() {}

    static RunSummary run(JobSpec job, TrainOptions options) throws IOException {
        JobPlan plan = JobPlan.of(job, options.baseDirectory());
        plan.prepareDataIfMissing();
        plan.configureThreads();
        Path runDir = options.runDirectory().toAbsolutePath();
        String checkpoints = plan.checkpointLocation(runDir);
        String digest = SpecWriter.digest(job);

        try (NDManager manager = NDManager.newBaseManager()) {
            List<String> problems = new ArrayList<>(plan.checkModelConfig());
            if (!problems.isEmpty()) {
                throw new JobException(problems);
            }
            Model model = ModelSetup.create(job, manager);
            try {
                Optional<CheckpointInfo> latest = preflight(plan, model, checkpoints, options.resume());
                LoraRun lora = ModelSetup.initialise(job, plan, model, latest.isEmpty(), manager,
                        options.listeners()).lora();
                Files.createDirectories(runDir);
                Files.writeString(runDir.resolve("job.yaml"), SpecWriter.toYaml(job), StandardCharsets.UTF_8);
                CheckpointStore store = Storage.checkpoints(checkpoints, job.spec().checkpoint().keep());
                return train(job, options, plan, model, store, latest, digest, manager, runDir, checkpoints, lora);
            } finally {
                model.close();
            }
        }
    }

    private static RunSummary train(JobSpec job, TrainOptions options, JobPlan plan, Model model,
            CheckpointStore store, Optional<CheckpointInfo> latest, String digest, NDManager manager,
            Path runDir, String checkpoints, LoraRun lora) throws IOException {
        var optimizer = plan.optimizer(manager);
        long start = 0;
        String cursor = null;
        Trainer trainer;
        Path metricsPath = runDir.resolve("metrics.jsonl");
        // The ingestion log belongs to the run: a fresh start begins a new one, a resume appends (it skips
        // entries already written, so files re-read after the checkpoint are not logged twice).
        Path ingestionPath = runDir.resolve(IngestionLog.FILE_NAME);
        if (latest.isEmpty()) {
            Files.deleteIfExists(metricsPath);
            Files.deleteIfExists(ingestionPath);
        }
        try (NDManager restoreManager = manager.newSubManager()) {
            LoadedCheckpoint loaded = latest.isPresent() ? store.loadShard(latest.get(), ShardLayout.whole(0), restoreManager) : null;
            cursor = loaded == null ? null : loaded.state().dataCursor();
            try (IngestionLog ingestion = IngestionLog.open(ingestionPath);
                    BatchSource batches = DataLoaders.open(plan.trainLoader(model), cursor, ingestion);
                    MetricsFile metrics = new MetricsFile(metricsPath, loaded == null ? 0 : loaded.state().step())) {
                List<TrainListener> listeners = new ArrayList<>();
                listeners.add(metrics);
                listeners.addAll(options.listeners());
                TrainerSettings settings = TrainerSettings.of(job, digest);
                if (lora != null) {
                    listeners.add(lora);
                    settings = settings.withBaseParametersDigest(lora.baseDigest());
                }
                trainer = new Trainer(settings, model, optimizer,
                        plan.schedule(), batches,
                        plan.hasEval() ? () -> DataLoaders.open(plan.evalLoader(model), null) : null,
                        store, Collectives.single(), listeners);
                if (loaded != null) {
                    start = trainer.restore(loaded);
                    restoreManager.close();
                }
                TrainResult result;
                try {
                    result = trainer.run(start, options.stopAt(), options.stopRequested());
                } catch (RuntimeException e) {
                    throw failedRun(store, checkpoints, e);
                }
                if (lora != null) {
                    Path adapter = lora.writeIfDone(runDir, result, digest, DataLoaders.datasetDigest(batches),
                            ModelSetup.parentDir(plan, job.spec().peft()));
                    if (adapter != null) {
                        options.listeners().forEach(l -> l.onNote("adapter written to " + adapter));
                        pushAdapter(job, plan, adapter, options);
                    }
                }
                Optional<String> sample = Optional.empty();
                // A stop request (Ctrl-C, SIGTERM) wants the process gone: no sampling then.
                if (options.sampleTokens() > 0 && !options.stopRequested().getAsBoolean()
                        && model.inputKind() == Model.InputKind.TOKENS
                        && model.inputSize() >= ByteTokenizer.VOCAB_SIZE) {
                    sample = Optional.of(sample(model, options.sampleTokens(), job.spec().training().seed()));
                }
                return new RunSummary(runDir, result,
                        result.lastCheckpoint().map(CheckpointInfo::parametersDigest), sample, checkpoints);
            }
        }
    }

    /** Publishes the finished adapter where {@code spec.output.adapter.image} says, if it says. */
    private static void pushAdapter(JobSpec job, JobPlan plan, Path adapter, TrainOptions options) {
        OutputSpec output = job.spec().output();
        if (output == null || output.adapter() == null || output.adapter().image() == null) {
            return;
        }
        String image = output.adapter().image();
        // A relative layout folder resolves against the job file's folder, like every other path.
        String prefix = "oci-layout:";
        if (image.startsWith(prefix)) {
            int tag = image.lastIndexOf(':');
            String dir = image.substring(prefix.length(), tag > prefix.length() ? tag : image.length());
            image = prefix + plan.paths().resolve(dir) + (tag > prefix.length() ? image.substring(tag) : "");
        }
        PushResult pushed = AdapterImages.client().push(adapter, ImageRef.parse(image), false);
        String line = "adapter image " + image + " " + pushed.outcome().name().toLowerCase(java.util.Locale.ROOT)
                + " (" + pushed.digest() + ")";
        options.listeners().forEach(l -> l.onNote(line));
    }

    /** A failure after training started: it names the checkpoint a --resume would continue from. */
    private static RunFailedException failedRun(CheckpointStore store, String checkpoints, RuntimeException e) {
        String resumeFrom;
        try {
            resumeFrom = store.latest().map(c -> "the newest checkpoint is step " + c.step()
                    + "; continue with --resume once the cause is fixed").orElse("no checkpoint was committed yet");
        } catch (IOException | RuntimeException unreadable) {
            resumeFrom = "the checkpoints at " + checkpoints + " could not be read (" + unreadable.getMessage() + ")";
        }
        return new RunFailedException("training failed: " + e.getMessage() + "; " + resumeFrom, e);
    }

    /**
     * Everything that can be checked before training once the model exists: the datasets and their fit
     * to the model, and a checkpoint location that already holds a run (only with --resume).
     *
     * @return the checkpoint to resume from, if any
     * @throws JobException listing every problem found
     */
    static Optional<CheckpointInfo> preflight(JobPlan plan, Model model, String checkpoints, boolean resume)
            throws IOException {
        List<String> problems = new ArrayList<>(plan.checkData(model));
        Optional<CheckpointInfo> latest = existingCheckpoint(checkpoints);
        if (latest.isPresent() && !resume) {
            problems.add("checkpoint location " + checkpoints + " already holds checkpoint step "
                    + latest.get().step() + ": pass --resume to continue it, or --run-dir for a new run");
        }
        if (!problems.isEmpty()) {
            throw new JobException(problems);
        }
        return latest;
    }

    /** The newest checkpoint at the location; a local folder that does not exist yet is not created. */
    private static Optional<CheckpointInfo> existingCheckpoint(String checkpoints) throws IOException {
        if (!Storage.isRemote(checkpoints) && !Files.isDirectory(checkpoints.startsWith("file:")
                ? Path.of(java.net.URI.create(checkpoints)) : Path.of(checkpoints))) {
            return Optional.empty();
        }
        return Storage.checkpoints(checkpoints, 1).latest();
    }

    private static String sample(Model model, int tokens, long seed) {
        ByteTokenizer tokenizer = new ByteTokenizer();
        int[] encoded = tokenizer.encode(SAMPLE_PROMPT);
        int[] prompt = java.util.Arrays.copyOf(encoded, encoded.length - 1); // no end-of-document: the text goes on
        int[] generated = TextSampler.generate(model, prompt, tokens, SAMPLE_TEMPERATURE, SAMPLE_TOP_K, seed);
        return tokenizer.decode(generated);
    }
}

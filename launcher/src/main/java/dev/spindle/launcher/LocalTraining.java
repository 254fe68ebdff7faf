package dev.spindle.launcher;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.LoadedCheckpoint;
import dev.spindle.collective.Collectives;
import dev.spindle.data.DataLoaders;
import dev.spindle.data.IngestionLog;
import dev.spindle.data.prepare.ByteTokenizer;
import dev.spindle.model.Model;
import dev.spindle.model.ModelRegistry;
import dev.spindle.model.WeightLoader;
import dev.spindle.model.gpt.TextSampler;
import dev.spindle.spec.JobSpec;
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
        Path checkpointDir = job.spec().checkpoint().uri() == null
                ? runDir.resolve("checkpoints")
                : plan.paths().localDirectory(job.spec().checkpoint().uri(), "spec.checkpoint.uri");
        String digest = SpecWriter.digest(job);

        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(Trainer.engineSeed(job.spec().training().seed(), -1));
            List<String> problems = new ArrayList<>(plan.checkModelConfig());
            if (!problems.isEmpty()) {
                throw new JobException(problems);
            }
            Model model = ModelRegistry.defaults().create(job.spec().model().architecture(),
                    job.spec().model().config(), manager);
            try {
                problems.addAll(plan.checkData(model));
                Optional<CheckpointInfo> latest = existingCheckpoint(checkpointDir);
                if (latest.isPresent() && !options.resume()) {
                    problems.add("run directory " + runDir + " already holds checkpoint step "
                            + latest.get().step() + ": pass --resume to continue it, or --run-dir for"
                            + " a new run");
                }
                if (!problems.isEmpty()) {
                    throw new JobException(problems);
                }
                if (job.spec().model().init() != null && latest.isEmpty()) {
                    WeightLoader.load(model.parameters(),
                            plan.paths().localDirectory(job.spec().model().init().from(), "spec.model.init.from"));
                }
                Files.createDirectories(runDir);
                Files.writeString(runDir.resolve("job.yaml"), SpecWriter.toYaml(job), StandardCharsets.UTF_8);
                CheckpointStore store = CheckpointStore.open(checkpointDir, job.spec().checkpoint().keep());
                return train(job, options, plan, model, store, latest, digest, manager, runDir);
            } finally {
                model.close();
            }
        }
    }

    private static RunSummary train(JobSpec job, TrainOptions options, JobPlan plan, Model model,
            CheckpointStore store, Optional<CheckpointInfo> latest, String digest, NDManager manager,
            Path runDir) throws IOException {
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
            LoadedCheckpoint loaded = latest.isPresent() ? store.load(latest.get(), restoreManager) : null;
            cursor = loaded == null ? null : loaded.state().dataCursor();
            try (IngestionLog ingestion = IngestionLog.open(ingestionPath);
                    BatchSource batches = DataLoaders.open(plan.trainLoader(model), cursor, ingestion);
                    MetricsFile metrics = new MetricsFile(metricsPath, loaded == null ? 0 : loaded.state().step())) {
                List<TrainListener> listeners = new ArrayList<>();
                listeners.add(metrics);
                listeners.addAll(options.listeners());
                trainer = new Trainer(TrainerSettings.of(job, digest), model, optimizer,
                        plan.schedule(), batches,
                        plan.hasEval() ? () -> DataLoaders.open(plan.evalLoader(model), null) : null,
                        store, Collectives.single(), listeners);
                if (loaded != null) {
                    start = trainer.restore(loaded);
                    restoreManager.close();
                }
                TrainResult result = trainer.run(start, options.stopAt(), options.stopRequested());
                Optional<String> sample = Optional.empty();
                if (options.sampleTokens() > 0 && model.inputKind() == Model.InputKind.TOKENS
                        && model.inputSize() >= ByteTokenizer.VOCAB_SIZE) {
                    sample = Optional.of(sample(model, options.sampleTokens(), job.spec().training().seed()));
                }
                return new RunSummary(runDir, result,
                        result.lastCheckpoint().map(CheckpointInfo::parametersDigest), sample);
            }
        }
    }

    private static Optional<CheckpointInfo> existingCheckpoint(Path checkpointDir) throws IOException {
        if (!Files.isDirectory(checkpointDir)) {
            return Optional.empty();
        }
        return CheckpointStore.open(checkpointDir, 1).latest();
    }

    private static String sample(Model model, int tokens, long seed) {
        ByteTokenizer tokenizer = new ByteTokenizer();
        int[] encoded = tokenizer.encode(SAMPLE_PROMPT);
        int[] prompt = java.util.Arrays.copyOf(encoded, encoded.length - 1); // no end-of-document: the text goes on
        int[] generated = TextSampler.generate(model, prompt, tokens, SAMPLE_TEMPERATURE, SAMPLE_TOP_K, seed);
        return tokenizer.decode(generated);
    }
}

package dev.spindle.launcher;

import ai.djl.ndarray.NDManager;
import dev.spindle.data.DataException;
import dev.spindle.data.DataLoaders;
import dev.spindle.data.DatasetInfo;
import dev.spindle.data.DatasetKind;
import dev.spindle.data.LoaderOptions;
import dev.spindle.data.prepare.TextDatasetPreparer;
import dev.spindle.data.storage.Storage;
import dev.spindle.model.Model;
import dev.spindle.model.ModelConfigException;
import dev.spindle.model.gpt.Gpt;
import dev.spindle.model.gpt.GptConfig;
import dev.spindle.model.gpt.GptStages;
import dev.spindle.model.gpt.GptShard;
import dev.spindle.spec.ParallelismSpec;
import dev.spindle.model.ModelRegistry;
import dev.spindle.optim.AdamW;
import dev.spindle.optim.LrSchedule;
import dev.spindle.optim.Optimizer;
import dev.spindle.optim.Sgd;
import dev.spindle.spec.DataSpec;
import dev.spindle.spec.JobSpec;
import dev.spindle.spec.OptimizerSpec;
import dev.spindle.spec.ScheduleSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A job spec read against this machine: resolved data locations, the checks that need the model
 * or the dataset, and the optimizer, schedule and loader settings the spec asks for.
 */
final class JobPlan {

    private final JobSpec job;
    private final JobPaths paths;
    private final DataSpec data;

    private JobPlan(JobSpec job, JobPaths paths) {
        this.job = job;
        this.paths = paths;
        this.data = job.spec().data();
    }

    static JobPlan of(JobSpec job, Path baseDirectory) {
        return new JobPlan(job, new JobPaths(baseDirectory));
    }

    JobPaths paths() {
        return paths;
    }

    /**
     * The worker processes the job trains with: one per rank of its mesh, data × tensor × pipeline. One
     * worker trains in the launcher's process; more run as a coordinated cluster.
     */
    int workers() {
        return job.spec().parallelism().data() * modelParallelSize();
    }

    /** Workers per model replica (tensor × pipeline): the coordinator sizes every generation in multiples of it. */
    int modelParallelSize() {
        return job.spec().parallelism().modelParallelSize();
    }

    /**
     * Whether {@code model} splits over the spec's tensor × pipeline mesh: only gpt does, and its heads,
     * vocabulary and layers must divide (see {@link GptShard#checkSplit}).
     */
    List<String> checkMesh(Model model) {
        ParallelismSpec p = job.spec().parallelism();
        if (p.modelParallelSize() == 1) {
            return List.of();
        }
        if (!(model instanceof Gpt gpt)) {
            return List.of("spec.parallelism: tensor " + p.tensor() + " × pipeline " + p.pipeline() + " splits the '"
                    + Gpt.NAME + "' architecture only, but spec.model.architecture is '" + model.architecture()
                    + "'; set tensor and pipeline to 1 to train it data-parallel");
        }
        List<String> problems = new ArrayList<>(GptShard.splitProblems(gpt.config(), p.tensor(), p.pipeline()).stream()
                .map(problem -> "spec.model.config." + problem).toList());
        if (problems.isEmpty()) {
            try {
                stages(gpt.config());
            } catch (ModelConfigException e) {
                e.problems().forEach(problem -> problems.add("spec.parallelism." + problem));
            }
        }
        return problems;
    }

    /** The pipeline stages: {@code spec.parallelism.stages} when given, else balanced by parameter count. */
    GptStages stages(GptConfig config) {
        ParallelismSpec p = job.spec().parallelism();
        return p.stages().isEmpty() ? GptStages.balanced(config, p.pipeline())
                : GptStages.of(config, p.stages().stream().mapToInt(Integer::intValue).toArray());
    }

    /** Where the run's checkpoints go: {@code spec.checkpoint.uri}, or {@code checkpoints/} in the run directory. */
    String checkpointLocation(Path runDirectory) {
        return job.spec().checkpoint().uri() == null
                ? runDirectory.toAbsolutePath().resolve("checkpoints").toString()
                : paths.checked(job.spec().checkpoint().uri(), "spec.checkpoint.uri");
    }

    boolean hasEval() {
        return data.evalUri() != null && job.spec().training().evalInterval() > 0;
    }

    /**
     * Builds the dataset from text when the spec says how ({@code spec.data.prepare}) and it is not
     * there yet. The dataset is written beside its final place and moved in whole, so a run stopped
     * half-way leaves nothing that looks like a dataset.
     */
    void prepareDataIfMissing() throws IOException {
        if (data.prepare() == null || Storage.isRemote(paths.resolve(data.uri()))) {
            // Preparation writes local folders; a remote dataset is uploaded beforehand (docs/storage.md),
            // and checkData reports it by URI if it is not there.
            return;
        }
        Path train = paths.localDirectory(data.uri(), "spec.data.uri");
        Path eval = data.evalUri() == null ? null : paths.localDirectory(data.evalUri(), "spec.data.evalUri");
        if (Files.exists(train) && (eval == null || Files.exists(eval))) {
            return;
        }
        List<String> inputs = new ArrayList<>();
        for (String from : data.prepare().from()) {
            inputs.add(paths.resolve(from));
        }
        Path parent = train.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path scratch = Files.createTempDirectory(parent, ".prepare-");
        try {
            TextDatasetPreparer.prepare(inputs, scratch, data.prepare().evalFraction(),
                    job.spec().training().seed());
            if (eval != null) {
                Files.createDirectories(eval.toAbsolutePath().getParent());
                Files.move(scratch.resolve("eval"), eval, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(scratch.resolve("train"), train, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(scratch);
        }
    }

    /** Gives libtorch the thread count the spec asks for; it only counts before the engine starts. */
    void configureThreads() {
        int threads = job.spec().training().threads();
        if (threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
    }

    List<String> checkModelConfig() {
        return ModelRegistry.defaults().validate(job.spec().model().architecture(), job.spec().model().config());
    }

    /** Whether the datasets exist, have the columns the spec names and fit the model. */
    List<String> checkData(Model model) {
        List<String> problems = new ArrayList<>();
        checkDataset("spec.data.uri", data.uri(), model, problems);
        if (hasEval()) {
            checkDataset("spec.data.evalUri", data.evalUri(), model, problems);
        }
        return problems;
    }

    private void checkDataset(String field, String uri, Model model, List<String> problems) {
        DatasetKind kind = kind();
        boolean modelReadsTokens = model.inputKind() == Model.InputKind.TOKENS;
        if (modelReadsTokens != (kind == DatasetKind.TOKENS)) {
            problems.add("spec.data.schema: got '" + data.schema() + "', but model '"
                    + job.spec().model().architecture() + "' reads "
                    + (modelReadsTokens ? "tokens" : "tabular features") + "; use schema "
                    + (modelReadsTokens ? "tokens" : "tabular"));
            return;
        }
        DatasetInfo info;
        try {
            info = DataLoaders.inspect(paths.checked(uri, field), data.format(), kind, tokensColumn(), features(),
                    labelColumn());
        } catch (JobException e) {
            problems.add(e.getMessage());
            return;
        } catch (DataException e) {
            problems.add(field + ": " + e.getMessage());
            return;
        }
        if (kind == DatasetKind.TOKENS) {
            if (info.vocabSize() > model.inputSize()) {
                problems.add(field + ": dataset " + uri + " has vocabulary size " + info.vocabSize()
                        + " but spec.model.config.vocabSize is " + model.inputSize()
                        + "; make the model's vocabulary at least as large as the dataset's");
            }
            if (sequenceLength(model) > model.contextLength()) {
                problems.add("spec.data.tokens.sequenceLength: got " + sequenceLength(model)
                        + ", expected at most the model's contextLength (" + model.contextLength() + ")");
            }
        } else if (info.featureCount() != model.inputSize()) {
            problems.add(field + ": dataset " + uri + " has " + info.featureCount()
                    + " feature columns but the model takes " + model.inputSize()
                    + " inputs (spec.model.config.inputs)");
        }
    }

    Optimizer optimizer(NDManager manager) {
        OptimizerSpec o = job.spec().optimizer();
        return switch (o.name().toLowerCase(Locale.ROOT)) {
            case "adamw" -> new AdamW(manager, o.beta1(), o.beta2(), o.eps(), o.weightDecay());
            case "sgd" -> new Sgd(manager, o.momentum(), o.nesterov(), o.weightDecay());
            default -> throw new JobException("spec.optimizer.name: got '" + o.name()
                    + "', expected adamw or sgd");
        };
    }

    LrSchedule schedule() {
        OptimizerSpec o = job.spec().optimizer();
        ScheduleSpec s = o.schedule();
        long steps = job.spec().training().steps();
        return switch (s.name().toLowerCase(Locale.ROOT)) {
            case "constant" -> s.warmupSteps() == 0
                    ? LrSchedule.constant(o.lr())
                    : LrSchedule.warmupLinear(o.lr(), s.warmupSteps(), steps, 1.0);
            case "cosine" -> LrSchedule.warmupCosine(o.lr(), s.warmupSteps(), steps, s.minLrRatio());
            case "linear" -> LrSchedule.warmupLinear(o.lr(), s.warmupSteps(), steps, s.minLrRatio());
            default -> throw new JobException("spec.optimizer.schedule.name: got '" + s.name()
                    + "', expected constant, cosine or linear");
        };
    }

    LoaderOptions trainLoader(Model model) {
        return loader(data.uri(), model, data.shuffleBuffer(), data.prefetch(), true);
    }

    LoaderOptions evalLoader(Model model) {
        return loader(data.evalUri(), model, 0, 0, false);
    }

    private LoaderOptions loader(String uri, Model model, int shuffle, int prefetch, boolean loop) {
        return new LoaderOptions(paths.resolve(uri), kind(), tokensColumn(), sequenceLength(model),
                features(), labelColumn(), job.spec().training().batchSize(), shuffle, prefetch,
                job.spec().training().seed(), 0, 1, loop, data.format(), LoaderOptions.DEFAULT_PREFETCH_BYTES);
    }

    private DatasetKind kind() {
        return "tabular".equalsIgnoreCase(data.schema()) ? DatasetKind.TABULAR : DatasetKind.TOKENS;
    }

    private String tokensColumn() {
        return data.tokens() == null ? "tokens" : data.tokens().column();
    }

    private int sequenceLength(Model model) {
        int configured = data.tokens() == null ? 0 : data.tokens().sequenceLength();
        return configured > 0 ? configured : model.contextLength();
    }

    private List<String> features() {
        return data.tabular() == null ? List.of() : data.tabular().features();
    }

    private String labelColumn() {
        return data.tabular() == null ? "label" : data.tabular().label();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

package dev.spindle.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.spindle.launcher.kube.KubeException;
import dev.spindle.launcher.kube.KubeTarget;
import dev.spindle.launcher.kube.SubmittedJob;
import dev.spindle.model.Model;
import dev.spindle.model.ModelRegistry;
import dev.spindle.peft.lora.LoraConfig;
import dev.spindle.peft.lora.TargetMatcher;
import dev.spindle.spec.JobSpec;
import dev.spindle.spec.ParallelismSpec;
import dev.spindle.spec.PeftSpec;
import dev.spindle.spec.SpecException;
import dev.spindle.spec.SpecReader;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Java front door: read a job, check it, train it on this machine.
 *
 * <pre>{@code
 * JobSpec job = Spindle.load(Path.of("examples/gpt/job.yaml"), List.of("spec.training.steps=50"));
 * RunSummary run = Spindle.train(job, TrainOptions.in(Path.of("runs/gpt-tiny"))
 *         .withBaseDirectory(Path.of("examples/gpt")));
 * System.out.println(run.result().finalLoss());
 * }</pre>
 */
public final class Spindle {

    private Spindle() {}

    /**
     * Reads and validates a job file, with {@code path=value} overrides applied first.
     *
     * @throws SpecException listing every problem in the spec
     */
    public static JobSpec load(Path jobFile, List<String> overrides) throws IOException {
        if (!Files.isRegularFile(jobFile)) {
            throw new JobException("job file " + jobFile + " does not exist or is not a file");
        }
        return SpecReader.read(jobFile, overrides);
    }

    /**
     * Trains the job on this machine: in this process with one worker, or with several worker processes
     * on 127.0.0.1 coordinated by this one, one per rank of the job's mesh (data × tensor × pipeline; the
     * data-parallel degree is {@link TrainOptions#workers()}, else {@code spec.parallelism.data}). Everything that can be checked before training (model settings,
     * datasets and their fit to the model, an existing run) is checked first, and a
     * {@link JobException} lists what is wrong before anything is written.
     */
    public static RunSummary train(JobSpec job, TrainOptions options) throws IOException {
        JobSpec effective = options.workers() > 0 && options.workers() != job.spec().parallelism().data()
                ? job.withSpec(job.spec().withParallelism(ParallelismSpec.data(options.workers())))
                : job;
        int workers = JobPlan.of(effective, options.baseDirectory()).workers();
        return workers == 1 ? LocalTraining.run(effective, options) : ClusterTraining.run(effective, options, workers);
    }

    /**
     * Submits the job to a Kubernetes cluster: checks it (spec, namespace, storage URIs, GPUs), then applies
     * its objects with server-side apply. The handle owns the connection: close it when done following.
     *
     * <pre>{@code
     * try (SubmittedJob run = Spindle.submit(job, KubeTarget.DEFAULT.withNamespace("ml-training"))) {
     *     JobStatus end = run.await(Duration.ofHours(4), event -> System.out.println(event.line()));
     * }
     * }</pre>
     *
     * @throws JobException if the spec cannot run on Kubernetes (nothing was applied)
     * @throws KubeException if the cluster could not be used
     */
    public static SubmittedJob submit(JobSpec job, KubeTarget cluster) {
        return SubmittedJob.submit(job, cluster);
    }

    /**
     * Every problem a job file has, without training: the spec's own, the model settings', and
     * the datasets'. Empty when the job would start.
     */
    public static List<String> validate(Path jobFile, List<String> overrides) throws IOException {
        JobSpec job;
        try {
            job = load(jobFile, overrides);
        } catch (SpecException e) {
            List<String> problems = new ArrayList<>();
            e.problems().forEach(p -> problems.add(p.toString()));
            problems.addAll(modelProblems(e));
            return problems;
        }
        JobPlan plan = JobPlan.of(job, jobFile.toAbsolutePath().getParent());
        List<String> problems = new ArrayList<>(plan.checkModelConfig());
        if (!problems.isEmpty()) {
            return problems;
        }
        try (NDManager manager = NDManager.newBaseManager();
                Model model = ModelRegistry.defaults().create(job.spec().model().architecture(),
                        job.spec().model().config(), manager)) {
            if (job.spec().peft() != null) {
                problems.addAll(peftProblems(job.spec().peft(), model));
            }
            if (job.spec().data().prepare() == null) { // else the dataset is made at the start of training
                problems.addAll(plan.checkData(model));
            }
        }
        return problems;
    }

    /** LoRA targets and modules to save must name modules the model has. */
    private static List<String> peftProblems(PeftSpec peft, Model model) {
        try {
            TargetMatcher.linear(model.linearModules(), LoraConfig.of(peft));
            return List.of();
        } catch (IllegalArgumentException e) {
            return List.of(e.getMessage());
        }
    }

    /** The model section checked on its own, so that one run of validate reports it too. */
    private static List<String> modelProblems(SpecException e) {
        JsonNode model = e.document().map(d -> d.path("spec").path("model")).orElse(MissingNode.getInstance());
        if (model.path("architecture").isTextual() && model.path("config").isObject()) {
            return ModelRegistry.defaults().validate(model.path("architecture").asText(), model.path("config"));
        }
        return List.of();
    }
}

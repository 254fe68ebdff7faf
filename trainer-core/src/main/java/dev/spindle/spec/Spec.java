package dev.spindle.spec;

import java.util.List;

/**
 * The body of a job spec: what to train, on what data, how, where checkpoints go, and over how many
 * workers. Rules that span sections (warm-up shorter than the run, evaluation needs evaluation data,
 * the elastic bounds around the data-parallel degree) are checked here.
 *
 * <pre>{@code
 * Spec longer = job.spec().withTraining(job.spec().training().withSteps(10_000));
 * Spec four = job.spec().withParallelism(ParallelismSpec.data(4));   // elastic bounds follow: 4..4
 * Spec elastic = four.withElastic(new ElasticSpec(2, 6, 3, 60));
 * }</pre>
 *
 * @param parallelism {@code null} means {@link ParallelismSpec#DEFAULT} (one worker)
 * @param elastic {@code null} means {@link ElasticSpec#defaultsFor} the data-parallel degree (a fixed size)
 * @param kubernetes how the job runs on Kubernetes, or {@code null} for a job that only trains locally
 */
public record Spec(ModelSpec model, DataSpec data, OptimizerSpec optimizer, TrainingSpec training,
                   CheckpointSpec checkpoint, PeftSpec peft, OutputSpec output, ParallelismSpec parallelism,
                   ElasticSpec elastic, KubernetesSpec kubernetes) {

    static final String PATH = "spec";

    /** A spec that trains every parameter and publishes nothing beyond the run directory. */
    public Spec(ModelSpec model, DataSpec data, OptimizerSpec optimizer, TrainingSpec training,
            CheckpointSpec checkpoint) {
        this(model, data, optimizer, training, checkpoint, null, null);
    }

    /** A spec of one worker. */
    public Spec(ModelSpec model, DataSpec data, OptimizerSpec optimizer, TrainingSpec training,
            CheckpointSpec checkpoint, PeftSpec peft, OutputSpec output) {
        this(model, data, optimizer, training, checkpoint, peft, output, null, null);
    }

    /** A spec with no Kubernetes section (it trains locally; {@code spindle render} asks for one). */
    public Spec(ModelSpec model, DataSpec data, OptimizerSpec optimizer, TrainingSpec training,
            CheckpointSpec checkpoint, PeftSpec peft, OutputSpec output, ParallelismSpec parallelism,
            ElasticSpec elastic) {
        this(model, data, optimizer, training, checkpoint, peft, output, parallelism, elastic, null);
    }

    public Spec {
        checkpoint = checkpoint == null ? CheckpointSpec.DEFAULT : checkpoint;
        parallelism = parallelism == null ? ParallelismSpec.DEFAULT : parallelism;
        elastic = elastic == null ? ElasticSpec.defaultsFor(parallelism.worldSize()) : elastic;
        Checks c = new Checks(PATH);
        boolean complete = c.present("model", model, "an object with an architecture")
                & c.present("data", data, "an object with uri and schema")
                & c.present("optimizer", optimizer, "an object with a name (adamw or sgd)")
                & c.present("training", training, "an object with steps and batchSize");
        elasticCheck(c, parallelism, elastic);
        if (complete) {
            crossCheck(c, data, optimizer, training);
            peftCheck(c, model, peft, output);
            int maxReplicas = elastic.maxWorkers() / parallelism.modelParallelSize();
            if (training.batchSize() < maxReplicas) {
                c.add(new Problem(TrainingSpec.PATH + ".batchSize", Problem.render(training.batchSize()),
                        "a whole number >= " + (parallelism.modelParallelSize() == 1 ? ElasticSpec.PATH + ".maxWorkers ("
                        + elastic.maxWorkers() + ")" : "the most model replicas, " + ElasticSpec.PATH + ".maxWorkers / ("
                        + ParallelismSpec.PATH + ".tensor × pipeline) (" + maxReplicas + ")")
                        + ": it is the global batch, and every " + (parallelism.modelParallelSize() == 1 ? "worker"
                        : "replica") + " needs at least one row of it"));
            }
            microBatchesCheck(c, parallelism, training);
        }
        c.throwIfAny();
    }

    /** The same spec with another training section. */
    public Spec withTraining(TrainingSpec newTraining) {
        return new Spec(model, data, optimizer, newTraining, checkpoint, peft, output, parallelism, elastic,
                kubernetes);
    }

    /** The same spec with another checkpoint section. */
    public Spec withCheckpoint(CheckpointSpec newCheckpoint) {
        return new Spec(model, data, optimizer, training, newCheckpoint, peft, output, parallelism, elastic,
                kubernetes);
    }

    /** The same spec with another PEFT section ({@code null}: train every parameter). */
    public Spec withPeft(PeftSpec newPeft) {
        return new Spec(model, data, optimizer, training, checkpoint, newPeft, output, parallelism, elastic,
                kubernetes);
    }

    /**
     * The same spec with another parallelism section ({@code null}: one worker). An elastic section at
     * its defaults (a fixed size of the old degree, as when the YAML has none) follows the new degree, as
     * it would in YAML; a non-default one stays as it is, so set it first with {@link #withElastic} when
     * the new degree lies outside its bounds.
     *
     * @throws SpecException if the elastic bounds do not contain {@code newParallelism.worldSize()}
     */
    public Spec withParallelism(ParallelismSpec newParallelism) {
        ParallelismSpec next = newParallelism == null ? ParallelismSpec.DEFAULT : newParallelism;
        ElasticSpec following = elastic.equals(ElasticSpec.defaultsFor(parallelism.worldSize()))
                ? ElasticSpec.defaultsFor(next.worldSize()) : elastic;
        return new Spec(model, data, optimizer, training, checkpoint, peft, output, next, following, kubernetes);
    }

    /** The same spec with another elastic section ({@code null}: a fixed size of {@code parallelism.worldSize()}). */
    public Spec withElastic(ElasticSpec newElastic) {
        return new Spec(model, data, optimizer, training, checkpoint, peft, output, parallelism, newElastic,
                kubernetes);
    }

    /** The same spec with another Kubernetes section ({@code null}: none, the job trains locally only). */
    public Spec withKubernetes(KubernetesSpec newKubernetes) {
        return new Spec(model, data, optimizer, training, checkpoint, peft, output, parallelism, elastic,
                newKubernetes);
    }

    /**
     * The micro-batches per optimizer step: {@code spec.parallelism.microBatches} when set, else
     * {@code spec.training.gradientAccumulation} (the two name one number; the spec refuses two
     * different values).
     */
    public int microBatches() {
        return parallelism.microBatches() != ParallelismSpec.UNSET_MICRO_BATCHES ? parallelism.microBatches()
                : training.gradientAccumulation();
    }

    /**
     * {@code 1 <= minWorkers <= workers <= maxWorkers}, workers being {@code data × tensor × pipeline};
     * with model parallelism ({@code tensor × pipeline > 1}) both bounds are whole model replicas, multiples
     * of {@code tensor × pipeline}. The first inequality is ElasticSpec's own.
     */
    private static void elasticCheck(Checks c, ParallelismSpec parallelism, ElasticSpec elastic) {
        int workers = parallelism.worldSize();
        int model = parallelism.modelParallelSize();
        String what = model == 1 ? ParallelismSpec.PATH + ".data (" + workers + ")"
                : "the workers, " + ParallelismSpec.PATH + ".data × tensor × pipeline (" + workers + ")";
        if (elastic.minWorkers() > workers) {
            c.add(new Problem(ElasticSpec.PATH + ".minWorkers", Problem.render(elastic.minWorkers()),
                    "a whole number <= " + what));
        }
        if (elastic.maxWorkers() < workers) {
            c.add(new Problem(ElasticSpec.PATH + ".maxWorkers", Problem.render(elastic.maxWorkers()),
                    "a whole number >= " + what));
        }
        for (String field : List.of("minWorkers", "maxWorkers")) {
            int value = field.equals("minWorkers") ? elastic.minWorkers() : elastic.maxWorkers();
            if (value % model != 0) {
                c.add(new Problem(ElasticSpec.PATH + "." + field, Problem.render(value), "a multiple of "
                        + ParallelismSpec.PATH + ".tensor × pipeline (" + model + "): workers come and go by whole"
                        + " model replicas"));
            }
        }
    }

    /** {@code microBatches} and {@code gradientAccumulation} name one number: both set, they must agree. */
    private static void microBatchesCheck(Checks c, ParallelismSpec parallelism, TrainingSpec training) {
        int microBatches = parallelism.microBatches();
        int accumulation = training.gradientAccumulation();
        if (microBatches != ParallelismSpec.UNSET_MICRO_BATCHES && accumulation != 1 && microBatches != accumulation) {
            c.add(new Problem(ParallelismSpec.PATH + ".microBatches", Problem.render(microBatches),
                    "the same as " + TrainingSpec.PATH + ".gradientAccumulation (" + accumulation + "), or leave one"
                    + " of them out: both are the micro-batches per optimizer step"));
        }
    }

    private static void peftCheck(Checks c, ModelSpec model, PeftSpec peft, OutputSpec output) {
        if (peft != null && peft.base() != null && model.init() != null) {
            c.add(new Problem(PeftSpec.PATH + ".base", Problem.render(peft.base()),
                    "no base while " + InitSpec.PATH + ".from is set (take the base weights from one place)"));
        }
        if (peft != null && peft.base() == null && model.init() == null) {
            c.add(new Problem(PeftSpec.PATH + ".base", Problem.MISSING, "the base to fine-tune: a run or checkpoint"
                    + " directory (or set " + InitSpec.PATH + ".from to a safetensors file)"));
        }
        if (output != null && output.adapter() != null && output.adapter().image() != null && peft == null) {
            // reported on spec.peft, so that a peft section that failed to bind is not reported twice
            c.add(new Problem(PeftSpec.PATH, Problem.MISSING, "a peft section while " + AdapterOutputSpec.PATH
                    + ".image is set (only a fine-tuning run makes an adapter)"));
        }
    }

    private static void crossCheck(Checks c, DataSpec data, OptimizerSpec optimizer, TrainingSpec training) {
        int warmup = optimizer.schedule().warmupSteps();
        if (warmup >= training.steps()) {
            c.add(new Problem(ScheduleSpec.PATH + ".warmupSteps", Problem.render(warmup),
                    "a whole number < " + TrainingSpec.PATH + ".steps (" + training.steps() + ")"));
        }
        if (training.evalInterval() > 0 && data.evalUri() == null) {
            c.add(new Problem(TrainingSpec.PATH + ".evalInterval", Problem.render(training.evalInterval()),
                    "0 while " + DataSpec.PATH + ".evalUri is not set (set evalUri to evaluate)"));
        }
    }
}

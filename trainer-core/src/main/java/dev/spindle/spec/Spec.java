package dev.spindle.spec;

/**
 * The body of a job spec: what to train, on what data, how, and where checkpoints go. Rules that span
 * sections (warm-up shorter than the run, evaluation needs evaluation data) are checked here.
 *
 * <pre>{@code
 * Spec longer = job.spec().withTraining(job.spec().training().withSteps(10_000));
 * }</pre>
 */
public record Spec(ModelSpec model, DataSpec data, OptimizerSpec optimizer, TrainingSpec training,
                   CheckpointSpec checkpoint, PeftSpec peft, OutputSpec output) {

    static final String PATH = "spec";

    /** A spec that trains every parameter and publishes nothing beyond the run directory. */
    public Spec(ModelSpec model, DataSpec data, OptimizerSpec optimizer, TrainingSpec training,
            CheckpointSpec checkpoint) {
        this(model, data, optimizer, training, checkpoint, null, null);
    }

    public Spec {
        checkpoint = checkpoint == null ? CheckpointSpec.DEFAULT : checkpoint;
        Checks c = new Checks(PATH);
        boolean complete = c.present("model", model, "an object with an architecture")
                & c.present("data", data, "an object with uri and schema")
                & c.present("optimizer", optimizer, "an object with a name (adamw or sgd)")
                & c.present("training", training, "an object with steps and batchSize");
        if (complete) {
            crossCheck(c, data, optimizer, training);
            peftCheck(c, model, peft, output);
        }
        c.throwIfAny();
    }

    /** The same spec with another training section. */
    public Spec withTraining(TrainingSpec newTraining) {
        return new Spec(model, data, optimizer, newTraining, checkpoint, peft, output);
    }

    /** The same spec with another checkpoint section. */
    public Spec withCheckpoint(CheckpointSpec newCheckpoint) {
        return new Spec(model, data, optimizer, training, newCheckpoint, peft, output);
    }

    /** The same spec with another PEFT section ({@code null}: train every parameter). */
    public Spec withPeft(PeftSpec newPeft) {
        return new Spec(model, data, optimizer, training, checkpoint, newPeft, output);
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

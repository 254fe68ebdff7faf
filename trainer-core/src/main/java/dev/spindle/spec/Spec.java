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
                   CheckpointSpec checkpoint) {

    static final String PATH = "spec";

    public Spec {
        checkpoint = checkpoint == null ? CheckpointSpec.DEFAULT : checkpoint;
        Checks c = new Checks(PATH);
        boolean complete = c.present("model", model, "an object with an architecture")
                & c.present("data", data, "an object with uri and schema")
                & c.present("optimizer", optimizer, "an object with a name (adamw or sgd)")
                & c.present("training", training, "an object with steps and batchSize");
        if (complete) {
            crossCheck(c, data, optimizer, training);
        }
        c.throwIfAny();
    }

    /** The same spec with another training section. */
    public Spec withTraining(TrainingSpec newTraining) {
        return new Spec(model, data, optimizer, newTraining, checkpoint);
    }

    /** The same spec with another checkpoint section. */
    public Spec withCheckpoint(CheckpointSpec newCheckpoint) {
        return new Spec(model, data, optimizer, training, newCheckpoint);
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

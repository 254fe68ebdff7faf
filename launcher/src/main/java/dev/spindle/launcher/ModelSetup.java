package dev.spindle.launcher;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.spindle.model.Model;
import dev.spindle.model.ModelRegistry;
import dev.spindle.model.WeightLoader;
import dev.spindle.spec.JobSpec;
import dev.spindle.spec.PeftSpec;
import dev.spindle.train.TrainListener;
import dev.spindle.train.Trainer;
import java.nio.file.Path;
import java.util.List;

/**
 * The model a job trains, as every process of the job builds it: initialised from the run's seed, with
 * the weights {@code spec.model.init.from} or {@code spec.peft.base} name, and LoRA attached when the
 * spec fine-tunes. A single-process run and every rank of a distributed one go through here, so their
 * starting points are identical.
 */
final class ModelSetup {

    private ModelSetup() {}

    /** A model and, when the spec fine-tunes, the LoRA run attached to it. */
    record Built(Model model, LoraRun lora) {}

    /** A freshly initialised model of the spec, its weights drawn from the run's seed. */
    static Model create(JobSpec job, NDManager manager) {
        Engine.getInstance().setRandomSeed(Trainer.engineSeed(job.spec().training().seed(), -1));
        return ModelRegistry.defaults().create(job.spec().model().architecture(), job.spec().model().config(),
                manager);
    }

    /**
     * Loads the starting weights into {@code model} and attaches LoRA.
     *
     * @param fresh true when no checkpoint will be restored (a LoRA checkpoint holds only the adapter, so
     *     the base is loaded either way)
     */
    static Built initialise(JobSpec job, JobPlan plan, Model model, boolean fresh, NDManager manager,
            List<TrainListener> notes) throws java.io.IOException {
        PeftSpec peft = job.spec().peft();
        boolean loadBase = fresh || peft != null;
        if (job.spec().model().init() != null && loadBase) {
            WeightLoader.load(model.parameters(),
                    plan.paths().localDirectory(job.spec().model().init().from(), "spec.model.init.from"));
        } else if (peft != null && peft.base() != null) {
            WeightLoader.load(model.parameters(),
                    BaseWeights.resolve(plan.paths().localDirectory(peft.base(), "spec.peft.base")));
        }
        if (peft == null) {
            return new Built(model, null);
        }
        String baseName = peft.base() != null ? peft.base() : job.spec().model().init().from();
        LoraRun lora = LoraRun.attach(peft, model, baseName, fresh ? parentDir(plan, peft) : null, manager);
        String summary = lora.summary();
        notes.forEach(l -> l.onNote(summary));
        return new Built(model, lora);
    }

    static Path parentDir(JobPlan plan, PeftSpec peft) {
        return peft.parent() == null ? null : plan.paths().localDirectory(peft.parent(), "spec.peft.parent");
    }
}

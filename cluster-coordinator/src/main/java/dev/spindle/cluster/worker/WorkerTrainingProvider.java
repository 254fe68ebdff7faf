package dev.spindle.cluster.worker;

import java.io.IOException;
import java.util.ServiceLoader;

/**
 * Makes the {@link WorkerTraining} of a job. Found with {@link ServiceLoader}: the launcher module lists
 * its implementation in {@code META-INF/services/dev.spindle.cluster.worker.WorkerTrainingProvider}.
 */
public interface WorkerTrainingProvider {

    /**
     * Reads and checks the job; called once per worker process, before the engine starts (libtorch's
     * thread count is set here).
     */
    WorkerTraining open(WorkerJob job) throws IOException;

    /** The one provider on the class path. */
    static WorkerTrainingProvider find() {
        return ServiceLoader.load(WorkerTrainingProvider.class).findFirst().orElseThrow(() ->
                new IllegalStateException("no " + WorkerTrainingProvider.class.getName() + " on the class path;"
                        + " start workers with the launcher's class path (spindle train --workers N does)"));
    }
}

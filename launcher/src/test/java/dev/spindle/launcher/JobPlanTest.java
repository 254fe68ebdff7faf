package dev.spindle.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spindle.spec.JobSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobPlanTest {

    @TempDir
    Path dir;

    @Test
    void aDataParallelJobRunsOneWorkerPerReplica() throws IOException {
        JobSpec job = Spindle.load(TestJobs.tinyGptJob(dir, ""), List.of("spec.parallelism.data=3"));

        JobPlan plan = JobPlan.of(job, dir);

        assertEquals(1, plan.modelParallelSize());
        assertEquals(3, plan.workers());
    }

    @Test
    void oneWorkerTrainsInTheLaunchersProcess() throws IOException {
        JobPlan plan = JobPlan.of(Spindle.load(TestJobs.tinyGptJob(dir, ""), List.of()), dir);

        assertEquals(1, plan.workers());
    }
}

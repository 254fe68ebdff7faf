package dev.spindle.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.spindle.model.Model;
import dev.spindle.model.gpt.Gpt;

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

    @Test
    void aMeshRunsDataTimesTensorTimesPipelineWorkersAndMustFitTheModel() throws IOException {
        Path file = TestJobs.tinyGptJob(dir, "");
        JobSpec mesh = Spindle.load(file, List.of("spec.parallelism.data=2", "spec.parallelism.tensor=2",
                "spec.parallelism.pipeline=2", "spec.model.config.vocabSize=258"));
        JobPlan plan = JobPlan.of(mesh, dir);
        assertEquals(4, plan.modelParallelSize());
        assertEquals(8, plan.workers());
        try (NDManager manager = NDManager.newBaseManager(); Model model = ModelSetup.create(mesh, manager)) {
            assertEquals(List.of(), plan.checkMesh(model));
            assertEquals("[1, 1]", plan.stages(((Gpt) model).config()).toString());
        }

        JobSpec odd = Spindle.load(file, List.of("spec.parallelism.tensor=2", "spec.parallelism.pipeline=2",
                "spec.parallelism.stages=[2, 1]"));
        try (NDManager manager = NDManager.newBaseManager(); Model model = ModelSetup.create(odd, manager)) {
            assertEquals(List.of("spec.model.config.vocabSize: got 257, expected a multiple of spec.parallelism.tensor"
                    + " (2): the embedding and the head are split by vocabulary rows"), JobPlan.of(odd, dir).checkMesh(model));
        }
        JobSpec stages = Spindle.load(file, List.of("spec.parallelism.pipeline=2", "spec.parallelism.stages=[2, 1]"));
        try (NDManager manager = NDManager.newBaseManager(); Model model = ModelSetup.create(stages, manager)) {
            List<String> problems = JobPlan.of(stages, dir).checkMesh(model);
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).startsWith("spec.parallelism.stages: got [2, 1] (3 blocks)"), problems.get(0));
        }
    }
}

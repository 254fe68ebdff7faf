package dev.spindle.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spindle.spec.JobSpec;
import dev.spindle.spec.SpecReader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link TrainerSettings#of}: what a job spec asks the trainer for. */
class TrainerSettingsTest {

    private static final String JOB = """
            apiVersion: spindle.dev/v1
            kind: TrainingJob
            metadata:
              name: settings
            spec:
              model:
                architecture: mlp
              data:
                uri: data/train.arrow
                schema: tabular
              optimizer:
                name: adamw
              training:
                steps: 30
                batchSize: 8
                seed: 7
              checkpoint:
                everySteps: 10
            """;

    @Test
    void microBatchesPerStepAreTheEffectiveOnes() {
        assertEquals(1, settings().gradientAccumulation());
        assertEquals(3, settings("spec.training.gradientAccumulation=3").gradientAccumulation());
        assertEquals(8, settings("spec.parallelism={pipeline: 2, microBatches: 8}").gradientAccumulation());
        assertEquals(4, settings("spec.parallelism.microBatches=4", "spec.training.gradientAccumulation=4")
                .gradientAccumulation());
    }

    @Test
    void theOtherFieldsComeFromTheTrainingAndCheckpointSections() {
        TrainerSettings settings = settings();

        assertEquals(30, settings.totalSteps());
        assertEquals(7, settings.seed());
        assertEquals(10, settings.checkpointEvery());
        assertEquals("sha256:x", settings.specDigest());
    }

    private static TrainerSettings settings(String... overrides) {
        JobSpec job = SpecReader.read(JOB, List.of(overrides));
        return TrainerSettings.of(job, "sha256:x");
    }
}

package dev.spindle.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code spec.parallelism} and {@code spec.elastic}: defaults, bounds, overrides and the canonical form. */
class ParallelismSpecTest {

    @Test
    void withoutTheSectionsAJobIsOneWorkerOfFixedSize() {
        Spec spec = SpecReader.read(Specs.MINIMAL, List.of()).spec();

        assertEquals(ParallelismSpec.DEFAULT, spec.parallelism());
        assertEquals(new ParallelismSpec(1, 1, 1, 0, PipelineSchedule.ONE_F_ONE_B, 60), spec.parallelism());
        assertEquals(new ElasticSpec(1, 1, 3, 60), spec.elastic());
    }

    @Test
    void elasticBoundsDefaultToTheDataParallelDegree() {
        Spec spec = SpecReader.read(Specs.MINIMAL, List.of("spec.parallelism.data=4")).spec();

        assertEquals(ParallelismSpec.data(4), spec.parallelism());
        assertEquals(ElasticSpec.defaultsFor(4), spec.elastic());
        assertEquals(new ElasticSpec(2, 4, 3, 60),
                SpecReader.read(Specs.MINIMAL, List.of("spec.parallelism.data=4", "spec.elastic.minWorkers=2"))
                        .spec().elastic());
    }

    @Test
    void explicitSectionsReadBackFromTheResolvedYamlAndChangeTheDigest() {
        JobSpec job = SpecReader.read(Specs.MINIMAL, List.of("spec.parallelism={data: 3, collectiveTimeoutSeconds: 5}",
                "spec.elastic={minWorkers: 2, maxWorkers: 6, maxRestarts: 0, rendezvousTimeoutSeconds: 9}"));

        assertEquals(new ParallelismSpec(3, 1, 1, 0, PipelineSchedule.ONE_F_ONE_B, 5), job.spec().parallelism());
        assertEquals(new ElasticSpec(2, 6, 0, 9), job.spec().elastic());
        assertEquals(job, SpecReader.read(SpecWriter.toYaml(job), List.of()));
        assertNotEquals(SpecWriter.digest(job), SpecWriter.digest(SpecReader.read(Specs.MINIMAL,
                List.of("spec.parallelism={data: 3, collectiveTimeoutSeconds: 6}",
                        "spec.elastic={minWorkers: 2, maxWorkers: 6, maxRestarts: 0, rendezvousTimeoutSeconds: 9}"))));
    }

    @Test
    void everyBadFieldOfBothSectionsIsReportedAtOnce() {
        List<Problem> problems = Specs.problems(Specs.MINIMAL,
                "spec.parallelism={data: 0, collectiveTimeoutSeconds: 0}",
                "spec.elastic={minWorkers: 0, maxWorkers: 2, maxRestarts: -1, rendezvousTimeoutSeconds: 0}");

        assertEquals(List.of(
                "spec.parallelism.data: got 0, expected a whole number >= 1",
                "spec.parallelism.collectiveTimeoutSeconds: got 0, expected a whole number >= 1",
                "spec.elastic.minWorkers: got 0, expected a whole number >= 1",
                "spec.elastic.maxRestarts: got -1, expected a whole number >= 0",
                "spec.elastic.rendezvousTimeoutSeconds: got 0, expected a whole number >= 1"),
                problems.stream().map(Problem::toString).toList());
    }

    @Test
    void boundsMustContainTheDegreeAndTheGlobalBatchMustCoverEveryWorker() {
        assertEquals(List.of("spec.elastic.minWorkers: got 5, expected a whole number <= spec.parallelism.data (4)"),
                messages("spec.parallelism.data=4", "spec.elastic.minWorkers=5", "spec.elastic.maxWorkers=6"));
        assertEquals(List.of("spec.elastic.maxWorkers: got 3, expected a whole number >= spec.parallelism.data (4)"),
                messages("spec.parallelism.data=4", "spec.elastic.minWorkers=1", "spec.elastic.maxWorkers=3"));
        assertEquals(List.of("spec.elastic.maxWorkers: got 3, expected a whole number >= 5"),
                messages("spec.parallelism.data=4", "spec.elastic.minWorkers=5", "spec.elastic.maxWorkers=3"));
        assertEquals(List.of("spec.training.batchSize: got 8, expected a whole number >= spec.elastic.maxWorkers (9):"
                + " it is the global batch, and every worker needs at least one row of it"),
                messages("spec.parallelism.data=4", "spec.elastic.maxWorkers=9"));
    }

    @Test
    void aMisspelledFieldGetsASuggestion() {
        assertEquals(List.of("spec.elastic.maxWorker: unknown field, expected one of [minWorkers, maxWorkers,"
                + " maxRestarts, rendezvousTimeoutSeconds] (did you mean 'maxWorkers'?)"),
                messages("spec.elastic.maxWorker=3"));
        assertEquals(List.of("spec.parallelism.date: unknown field, expected one of [data, tensor, pipeline,"
                + " microBatches, schedule, collectiveTimeoutSeconds, stages]"
                + " (did you mean 'data'?)"), messages("spec.parallelism.date=3"));
    }

    @Test
    void defaultElasticBoundsFollowANewDegreeAndExplicitOnesAreKeptAndChecked() {
        Spec one = SpecReader.read(Specs.MINIMAL, List.of()).spec();

        Spec four = one.withParallelism(ParallelismSpec.data(4));
        Spec wider = four.withElastic(new ElasticSpec(2, 8, 1, 30)).withParallelism(ParallelismSpec.data(6));

        assertEquals(ElasticSpec.defaultsFor(4), four.elastic());
        assertEquals(one.training(), four.training());
        assertEquals(new ElasticSpec(2, 8, 1, 30), wider.elastic());
        assertEquals(6, wider.parallelism().data());
        SpecException outside = assertThrows(SpecException.class, () -> wider.withParallelism(ParallelismSpec.data(9)));
        assertEquals("spec.elastic.maxWorkers: got 8, expected a whole number >= spec.parallelism.data (9)",
                outside.problems().get(0).toString());
        assertEquals(ElasticSpec.defaultsFor(1), four.withParallelism(null).elastic());
        assertEquals(ElasticSpec.defaultsFor(4), wider.withElastic(null).withParallelism(ParallelismSpec.data(4))
                .elastic());
    }

    @Test
    void aMeshSectionBindsAndReadsBackFromTheResolvedYaml() {
        JobSpec job = SpecReader.read(Specs.MINIMAL, List.of("spec.parallelism={data: 2, tensor: 2, pipeline: 2,"
                + " microBatches: 4, schedule: gpipe, collectiveTimeoutSeconds: 30}"));

        ParallelismSpec mesh = job.spec().parallelism();
        assertEquals(new ParallelismSpec(2, 2, 2, 4, PipelineSchedule.GPIPE, 30), mesh);
        assertEquals(8, mesh.worldSize());
        assertEquals(4, job.spec().microBatches());
        String yaml = SpecWriter.toYaml(job);
        assertTrue(yaml.contains("schedule: gpipe"), yaml);
        assertEquals(job, SpecReader.read(yaml, List.of()));

        JobSpec unset = SpecReader.read(Specs.MINIMAL, List.of("spec.parallelism.pipeline=2"));
        assertEquals(PipelineSchedule.ONE_F_ONE_B, unset.spec().parallelism().schedule());
        assertFalse(SpecWriter.toYaml(unset).contains("microBatches"), SpecWriter.toYaml(unset));
        assertEquals(unset, SpecReader.read(SpecWriter.toYaml(unset), List.of()));
    }

    @Test
    void givenStagesBindOnePerStageAndReadBack() {
        JobSpec job = SpecReader.read(Specs.MINIMAL, List.of("spec.parallelism={pipeline: 2, stages: [1, 3]}"));
        assertEquals(List.of(1, 3), job.spec().parallelism().stages());
        assertTrue(SpecWriter.toYaml(job).contains("stages"), SpecWriter.toYaml(job));
        assertEquals(job, SpecReader.read(SpecWriter.toYaml(job), List.of()));
        assertFalse(SpecWriter.toYaml(SpecReader.read(Specs.MINIMAL, List.of())).contains("stages"));

        SpecException count = assertThrows(SpecException.class,
                () -> SpecReader.read(Specs.MINIMAL, List.of("spec.parallelism={pipeline: 2, stages: [4]}")));
        assertEquals("spec.parallelism.stages: got [4], expected one block count >= 1 per pipeline stage (2 numbers),"
                + " or leave it out to balance the stages by parameter count", count.problems().get(0).toString());
        SpecException text = assertThrows(SpecException.class,
                () -> SpecReader.read(Specs.MINIMAL, List.of("spec.parallelism={pipeline: 2, stages: [a, 1]}")));
        assertTrue(text.problems().get(0).toString().startsWith("spec.parallelism.stages: got"),
                text.problems().get(0).toString());
    }

    @Test
    void microBatchesDefaultToGradientAccumulationAndMustNotContradictIt() {
        assertEquals(3, SpecReader.read(Specs.MINIMAL, List.of("spec.training.gradientAccumulation=3")).spec()
                .microBatches());
        assertEquals(8, SpecReader.read(Specs.MINIMAL, List.of("spec.parallelism.microBatches=8")).spec()
                .microBatches());
        assertEquals(4, SpecReader.read(Specs.MINIMAL, List.of("spec.parallelism.microBatches=4",
                "spec.training.gradientAccumulation=4")).spec().microBatches());
        assertEquals(List.of("spec.parallelism.microBatches: got 8, expected the same as"
                + " spec.training.gradientAccumulation (4), or leave one of them out: both are the micro-batches per"
                + " optimizer step"),
                messages("spec.parallelism.microBatches=8", "spec.training.gradientAccumulation=4"));
        assertEquals(List.of("spec.parallelism.microBatches: got 0, expected a whole number >= 1"),
                messages("spec.parallelism.microBatches=0"));
    }

    @Test
    void anUnknownScheduleNamesTheKnownOnes() {
        assertEquals(List.of("spec.parallelism.schedule: got '1F1B', expected one of [gpipe, 1f1b] (did you mean"
                + " '1f1b'?)"), messages("spec.parallelism.schedule=1F1B"));
        assertEquals(List.of("spec.parallelism.tensor: got 0, expected a whole number >= 1",
                "spec.parallelism.pipeline: got -1, expected a whole number >= 1"),
                messages("spec.parallelism.tensor=0", "spec.parallelism.pipeline=-1"));
    }

    @Test
    void withModelParallelismElasticBoundsCountWorkersInWholeReplicas() {
        Spec mesh = SpecReader.read(Specs.MINIMAL, List.of("spec.parallelism={data: 2, tensor: 2, pipeline: 2}"))
                .spec();
        assertEquals(ElasticSpec.defaultsFor(8), mesh.elastic());
        assertEquals(new ElasticSpec(4, 12, 3, 60), SpecReader.read(Specs.MINIMAL, List.of(
                "spec.parallelism={data: 2, tensor: 2, pipeline: 2}", "spec.elastic={minWorkers: 4, maxWorkers: 12}"))
                .spec().elastic());
        assertEquals(List.of("spec.elastic.minWorkers: got 6, expected a multiple of spec.parallelism.tensor ×"
                + " pipeline (4): workers come and go by whole model replicas"),
                messages("spec.parallelism={data: 2, tensor: 2, pipeline: 2}", "spec.elastic.minWorkers=6"));
        assertEquals(List.of("spec.elastic.maxWorkers: got 4, expected a whole number >= the workers,"
                + " spec.parallelism.data × tensor × pipeline (8)"),
                messages("spec.parallelism={data: 2, tensor: 2, pipeline: 2}", "spec.elastic={minWorkers: 4, maxWorkers: 4}"));
        // 36 workers are 9 replicas of 4, and the global batch of 8 rows cannot feed 9
        assertEquals(List.of("spec.training.batchSize: got 8, expected a whole number >= the most model replicas,"
                + " spec.elastic.maxWorkers / (spec.parallelism.tensor × pipeline) (9): it is the global batch, and"
                + " every replica needs at least one row of it"),
                messages("spec.parallelism={data: 2, tensor: 2, pipeline: 2}", "spec.elastic.maxWorkers=36"));
        assertEquals(ElasticSpec.defaultsFor(4), SpecReader.read(Specs.MINIMAL, List.of()).spec()
                .withParallelism(new ParallelismSpec(1, 2, 2, 0, null, 60)).elastic());
    }

    private static List<String> messages(String... overrides) {
        return Specs.problems(Specs.MINIMAL, overrides).stream().map(Problem::toString).toList();
    }
}

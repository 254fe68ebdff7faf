package dev.spindle.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code spec.parallelism} and {@code spec.elastic}: defaults, bounds, overrides and the canonical form. */
class ParallelismSpecTest {

    @Test
    void withoutTheSectionsAJobIsOneWorkerOfFixedSize() {
        Spec spec = SpecReader.read(Specs.MINIMAL, List.of()).spec();

        assertEquals(new ParallelismSpec(1, 60), spec.parallelism());
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

        assertEquals(new ParallelismSpec(3, 5), job.spec().parallelism());
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
        assertEquals(List.of("spec.parallelism.date: unknown field, expected one of [data, collectiveTimeoutSeconds]"
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

    private static List<String> messages(String... overrides) {
        return Specs.problems(Specs.MINIMAL, overrides).stream().map(Problem::toString).toList();
    }
}

package dev.spindle.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OverridesTest {

    private static final String FORM = "path=value with a dotted path from the document root, e.g. spec.training.steps=30";

    private static JobSpec read(String... overrides) {
        return SpecReader.read(Specs.FULL, List.of(overrides));
    }

    @Test
    void numberReplacesTheFileValue() {
        assertEquals(30, read("spec.training.steps=30").spec().training().steps());
        assertEquals(0.5, read("spec.optimizer.lr=0.5").spec().optimizer().lr());
    }

    @Test
    void stringReplacesTheFileValue() {
        assertEquals("other-name", read("metadata.name=other-name").metadata().name());
    }

    @Test
    void valueMayContainEqualsSigns() {
        assertEquals("file:/d/x.arrow?v=1", read("spec.data.uri=file:/d/x.arrow?v=1").spec().data().uri());
    }

    @Test
    void flowListBecomesAList() {
        JobSpec job = read("spec.data.schema=tabular", "spec.data.tokens=", "spec.data.tabular.features=[a, b]");

        assertEquals(List.of("a", "b"), job.spec().data().tabular().features());
    }

    @Test
    void missingIntermediateMappingsAreCreated() {
        JobSpec job = SpecReader.read(Specs.MINIMAL, List.of("spec.checkpoint.uri=file:/ckpt",
                "spec.model.init.from=base.safetensors", "spec.optimizer.schedule.name=linear"));

        assertEquals("file:/ckpt", job.spec().checkpoint().uri());
        assertEquals(3, job.spec().checkpoint().keep(), "the rest of a created section takes its defaults");
        assertEquals(new InitSpec("base.safetensors"), job.spec().model().init());
        assertEquals("linear", job.spec().optimizer().schedule().name());
    }

    @Test
    void flowMappingReplacesAWholeMapping() {
        JobSpec job = read("metadata.labels={app.kubernetes.io/name: demo}");

        assertEquals(Map.of("app.kubernetes.io/name", "demo"), job.metadata().labels());
    }

    @Test
    void emptyValueResetsToTheDefault() {
        assertEquals(TrainingSpec.DEFAULT_SEED, read("spec.training.seed=").spec().training().seed());
    }

    @Test
    void laterOverrideWins() {
        assertEquals(60, read("spec.training.steps=50", "spec.training.steps=60").spec().training().steps());
    }

    @Test
    void pathThatIsNotAFieldIsAnUnknownField() {
        assertEquals(List.of(new Problem("spec.training.stesp", Problem.UNKNOWN_FIELD,
                        "one of [steps, seed, batchSize, gradientAccumulation, gradientClipping, evalInterval,"
                                + " evalBatches, logInterval, threads] (did you mean 'steps'?)")),
                Specs.problems(Specs.FULL, "spec.training.stesp=3"));
    }

    @Test
    void unknownSectionCreatedByAnOverrideIsAnUnknownField() {
        List<Problem> problems = Specs.problems(Specs.FULL, "spec.optimiser.lr=0.1");

        assertEquals(1, problems.size());
        assertEquals("spec.optimiser: unknown field, expected one of [model, data, optimizer, training, checkpoint, peft, output, parallelism, elastic,"
                + " kubernetes]"
                + " (did you mean 'optimizer'?)", problems.get(0).toString());
    }

    @Test
    void overrideWithoutEqualsSignIsAProblem() {
        assertEquals(List.of(new Problem("overrides[1]", "'steps'", FORM)),
                Specs.problems(Specs.FULL, "spec.training.steps=30", "steps"));
    }

    @Test
    void overrideWithAnEmptyPathSegmentIsAProblem() {
        assertEquals(List.of(new Problem("overrides[0]", "'spec..steps=1'", FORM),
                        new Problem("overrides[1]", "'=1'", FORM)),
                Specs.problems(Specs.FULL, "spec..steps=1", "=1"));
    }

    @Test
    void overrideValueThatIsNotYamlIsAProblemAtItsPath() {
        List<Problem> problems = Specs.problems(Specs.FULL, "spec.data.tabular.features=[a, b");

        assertEquals(1, problems.size());
        assertEquals("spec.data.tabular.features", problems.get(0).path());
        assertEquals("'[a, b'", problems.get(0).value());
        assertTrue(problems.get(0).expected().startsWith("a YAML scalar or flow collection"), problems.toString());
    }

    @Test
    void overrideThroughAScalarIsAProblem() {
        assertEquals(List.of(new Problem("spec.training.steps", "100",
                        "a mapping, to set 'spec.training.steps.max' by override")),
                Specs.problems(Specs.FULL, "spec.training.steps.max=3"));
    }

    @Test
    void overriddenValueIsValidatedLikeAWrittenOne() {
        assertEquals(List.of(new Problem("spec.training.batchSize", "-2", "a whole number >= 1")),
                Specs.problems(Specs.FULL, "spec.training.batchSize=-2"));
    }
}

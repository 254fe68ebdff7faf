package dev.spindle.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecReaderTest {

    @Test
    void readsEveryFieldOfAFullSpec() {
        JobSpec job = SpecReader.read(Specs.FULL, List.of());

        assertEquals("spindle.dev/v1", job.apiVersion());
        assertEquals("TrainingJob", job.kind());
        assertEquals(new Metadata("tiny-gpt", Map.of("team", "nlp", "app.kubernetes.io/part-of", "spindle")),
                job.metadata());
        Spec s = job.spec();
        assertEquals("gpt", s.model().architecture());
        assertEquals(2, s.model().config().get("layers").intValue());
        assertEquals(64, s.model().config().get("hiddenSize").intValue());
        assertEquals(new InitSpec("file:/models/base.safetensors"), s.model().init());
        assertEquals(new DataSpec("file:/data/train/*.arrow", "file:/data/eval", "arrow", "tokens",
                new TokensSpec("ids", 64), null, 256, 2,
                new PrepareSpec(List.of("corpus/a.txt", "corpus/b*.txt"), 0.1)), s.data());
        assertEquals(new OptimizerSpec("sgd", 0.1, 1e-4, 0.8, 0.99, 1e-6, 0.9, true,
                new ScheduleSpec("cosine", 10, 0.1)), s.optimizer());
        assertEquals(new TrainingSpec(100, 7, 16, 2, 1.0, 20, 4, 5, 2), s.training());
        assertEquals(new CheckpointSpec("file:/runs/tiny-gpt/ckpt", 50, 2), s.checkpoint());
    }

    @Test
    void fillsEveryDefaultOfAMinimalSpec() {
        Spec s = SpecReader.read(Specs.MINIMAL, List.of()).spec();

        assertEquals(Map.of(), SpecReader.read(Specs.MINIMAL, List.of()).metadata().labels());
        assertTrue(s.model().config().isObject() && s.model().config().isEmpty());
        assertNull(s.model().init());
        assertNull(s.data().evalUri());
        assertNull(s.data().format(), "absent format is inferred from the extension later");
        assertEquals(new TabularSpec(List.of(), "label"), s.data().tabular());
        assertNull(s.data().tokens());
        assertEquals(1024, s.data().shuffleBuffer());
        assertEquals(4, s.data().prefetch());
        assertNull(s.data().prepare());
        assertEquals(new OptimizerSpec("adamw", 3e-4, 0.01, 0.9, 0.999, 1e-8, 0.0, false,
                new ScheduleSpec("constant", 0, 0.0)), s.optimizer());
        assertEquals(new TrainingSpec(30, 42, 8, 1, 0.0, 0, 8, 10, 0), s.training());
        assertEquals(new CheckpointSpec(null, 0, 3), s.checkpoint());
    }

    @Test
    void sgdDefaultsToNoWeightDecayAndTokensSchemaToDefaultTokens() {
        Spec s = SpecReader.read(Specs.MINIMAL, List.of("spec.optimizer.name=sgd", "spec.data.schema=tokens")).spec();

        assertEquals(0.0, s.optimizer().weightDecay());
        assertEquals(new TokensSpec("tokens", 0), s.data().tokens());
        assertNull(s.data().tabular());
    }

    @Test
    void unknownFieldIsReportedWithSuggestion() {
        List<Problem> problems = Specs.problems(Specs.MINIMAL.replace("  training:", "  trainng:"));

        assertEquals("spec.trainng: unknown field, expected one of [model, data, optimizer, training, checkpoint, peft, output, parallelism, elastic,"
                + " kubernetes]"
                + " (did you mean 'training'?)", problems.get(0).toString());
        assertEquals(new Problem("spec.training", Problem.MISSING, "an object with steps and batchSize"), problems.get(1));
        assertEquals(2, problems.size());
    }

    @Test
    void unknownFieldFarFromAnyNameGetsNoSuggestion() {
        List<Problem> problems = Specs.problems(Specs.MINIMAL, "spec.training.colour=red");

        assertEquals(List.of(new Problem("spec.training.colour", Problem.UNKNOWN_FIELD,
                "one of [steps, seed, batchSize, gradientAccumulation, gradientClipping, evalInterval, evalBatches,"
                        + " logInterval, threads]")), problems);
    }

    @Test
    void unknownKeysInsideModelConfigAreLeftToTheArchitecture() {
        JobSpec job = SpecReader.read(Specs.MINIMAL, List.of("spec.model.config.anything=1"));

        assertEquals(1, job.spec().model().config().get("anything").intValue());
    }

    @Test
    void reportsProblemsFromManySectionsAtOnce() {
        String yaml = Specs.FULL
                .replace("apiVersion: spindle.dev/v1", "apiVersion: spindle.dev/v2")
                .replace("name: tiny-gpt", "name: Tiny_GPT")
                .replace("lr: 0.1", "lr: -1")
                .replace("steps: 100", "steps: 0")
                .replace("keep: 2", "keep: 0");

        List<String> paths = Specs.problems(yaml).stream().map(Problem::path).toList();

        // Sections are bound depth first, so the root's own fields are checked last.
        assertEquals(List.of("metadata.name", "spec.optimizer.lr", "spec.training.steps", "spec.checkpoint.keep",
                "apiVersion"), paths);
    }

    @Test
    void missingAndMistypedFieldsDoNotHideOtherProblemsOfTheirSection() {
        List<Problem> problems = Specs.problems(Specs.FULL, "spec.training.steps=", "spec.training.batchSize=ten",
                "spec.training.evalBatches=0", "spec.data.prepare.from=[1]", "spec.data.prefetch=0");

        assertEquals(List.of(
                new Problem("spec.data.prepare.from[0]", "1", "a string"),
                new Problem("spec.data.prefetch", "0", "a whole number >= 1"),
                new Problem("spec.training.steps", Problem.MISSING, "a whole number"),
                new Problem("spec.training.batchSize", "'ten'", "a whole number"),
                new Problem("spec.training.evalBatches", "0", "a whole number >= 1")), problems);
    }

    @Test
    void wrongYamlTypesAreProblemsWithTheirPath() {
        List<Problem> problems = Specs.problems(Specs.MINIMAL,
                "spec.training.steps=ten", "spec.training.batchSize=2.5", "spec.optimizer.nesterov=maybe",
                "spec.optimizer.lr=[1]", "metadata.name=123", "spec.data.tabular.features=x",
                "spec.data.tabular.label={a: 1}", "spec.checkpoint=5");

        assertEquals(List.of(
                new Problem("metadata.name", "123", "a string (put the value in quotes)"),
                new Problem("spec.data.tabular.features", "'x'", "a list of strings, e.g. [a, b]"),
                new Problem("spec.data.tabular.label", "{\"a\":1}", "a string"),
                new Problem("spec.optimizer.lr", "[1]", "a number"),
                new Problem("spec.optimizer.nesterov", "'maybe'", "true or false"),
                new Problem("spec.training.steps", "'ten'", "a whole number"),
                new Problem("spec.training.batchSize", "2.5", "a whole number"),
                new Problem("spec.checkpoint", "5", "a mapping with fields [uri, everySteps, keep]")), problems);
    }

    @Test
    void numberTooLargeForItsFieldIsAProblem() {
        List<Problem> problems = Specs.problems(Specs.MINIMAL, "spec.training.batchSize=3000000000",
                "spec.training.seed=99999999999999999999");

        assertEquals(List.of(
                new Problem("spec.training.seed", "99999999999999999999",
                        "a whole number from -9223372036854775808 to 9223372036854775807"),
                new Problem("spec.training.batchSize", "3000000000",
                        "a whole number from -2147483648 to 2147483647")), problems);
    }

    @Test
    void integralFloatIsAcceptedForWholeNumbers() {
        assertEquals(1000, SpecReader.read(Specs.MINIMAL, List.of("spec.training.steps=1e3")).spec().training().steps());
    }

    @Test
    void syntaxErrorIsOneProblemWithLineAndColumn() {
        String yaml = "apiVersion: spindle.dev/v1\nkind: TrainingJob\nmetadata:\n  name: a: b\n";

        List<Problem> problems = Specs.problems(yaml);

        assertEquals(1, problems.size());
        Problem p = problems.get(0);
        assertEquals("<yaml> line 4, column 10", p.path());
        assertTrue(p.value().contains("mapping values are not allowed here"), p.value());
    }

    @Test
    void syntaxErrorInAFileNamesTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, "spec: [unclosed\n");

        SpecException e = assertThrows(SpecException.class, () -> SpecReader.read(file, List.of()));

        assertEquals(1, e.problems().size());
        assertTrue(e.problems().get(0).path().startsWith(file + " line "), e.getMessage());
    }

    @Test
    void readsAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, Specs.MINIMAL);

        assertEquals(SpecReader.read(Specs.MINIMAL, List.of("spec.training.steps=5")),
                SpecReader.read(file, List.of("spec.training.steps=5")));
    }

    @Test
    void missingFileIsAnIoException(@TempDir Path dir) {
        assertThrows(NoSuchFileException.class, () -> SpecReader.read(dir.resolve("absent.yaml"), List.of()));
    }

    @Test
    void duplicateKeyIsAProblem() {
        List<Problem> problems = Specs.problems(Specs.MINIMAL + "  training:\n    steps: 1\n    batchSize: 1\n");

        assertEquals(1, problems.size());
        assertTrue(problems.get(0).value().contains("Duplicate field 'training'"), problems.get(0).toString());
    }

    @Test
    void secondYamlDocumentIsAProblem() {
        List<Problem> problems = Specs.problems(Specs.MINIMAL + "---\n" + Specs.MINIMAL);

        assertEquals(List.of(new Problem("(document)", "more than one YAML document",
                "exactly one document: remove the '---' separators of the others")), problems);
    }

    @Test
    void emptyDocumentReportsEveryRequiredTopLevelField() {
        List<String> paths = Specs.problems("").stream().map(Problem::path).toList();

        assertEquals(List.of("apiVersion", "kind", "metadata", "spec"), paths);
    }

    @Test
    void documentThatIsNotAMappingIsAProblem() {
        assertEquals(List.of(new Problem("(document)", "[1,2]",
                "a mapping with fields [apiVersion, kind, metadata, spec]")), Specs.problems("[1, 2]"));
    }

    @Test
    void exampleInTheReferenceDocIsValid() throws Exception {
        // Surefire runs in the module directory; the reference lives at the repository root.
        String doc = Files.readString(Path.of("..", "docs", "job-spec.md"));
        int start = doc.indexOf("```yaml\n") + "```yaml\n".length();
        String example = doc.substring(start, doc.indexOf("```", start));

        JobSpec job = SpecReader.read(example, List.of());

        assertEquals("tiny-gpt", job.metadata().name());
        assertEquals("cosine", job.spec().optimizer().schedule().name());
    }

    @Test
    void messageHasOneLinePerProblem() {
        SpecException e = assertThrows(SpecException.class,
                () -> SpecReader.read(Specs.MINIMAL, List.of("spec.training.steps=-5", "kind=Job")));

        assertEquals("spec.training.steps: got -5, expected a whole number >= 1\n"
                + "kind: got 'Job', expected 'TrainingJob'", e.getMessage());
    }
}

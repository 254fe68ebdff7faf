package dev.spindle.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The records used directly from code: their constructors validate, and their variants stay valid. */
class SpecRecordsTest {

    @Test
    void constructorReportsEveryBadFieldWithItsDocumentPath() {
        SpecException e = assertThrows(SpecException.class, () -> new TrainingSpec(0, 1, 0, 1, -1, 0, 8, 10, -2));

        assertEquals(List.of(
                new Problem("spec.training.steps", "0", "a whole number >= 1"),
                new Problem("spec.training.batchSize", "0", "a whole number >= 1"),
                new Problem("spec.training.gradientClipping", "-1.0", "a number >= 0"),
                new Problem("spec.training.threads", "-2", "a whole number >= 0")), e.problems());
    }

    @Test
    void notANumberIsRejectedWhereARangeIsExpected() {
        SpecException e = assertThrows(SpecException.class, () -> new OptimizerSpec("adamw", Double.NaN, 0,
                0.9, 0.999, Double.POSITIVE_INFINITY, 0, false, null));

        assertEquals(List.of("spec.optimizer.lr", "spec.optimizer.eps"), e.problems().stream().map(Problem::path).toList());
    }

    @Test
    void nullOptionalPartsTakeTheirDefaults() {
        assertEquals("tokens", new TokensSpec(null, 0).column());
        assertEquals(new TabularSpec(List.of(), "label"), new TabularSpec(null, null));
        assertEquals(ScheduleSpec.DEFAULT, new ScheduleSpec(null, 0, 0));
        assertEquals(ScheduleSpec.DEFAULT, OptimizerSpec.defaults("sgd").schedule());
        assertEquals(Map.of(), new Metadata("a", null).labels());
    }

    @Test
    void optimizerDefaultsDependOnTheName() {
        assertEquals(0.01, OptimizerSpec.defaults("adamw").weightDecay());
        assertEquals(0.0, OptimizerSpec.defaults("sgd").weightDecay());
    }

    @Test
    void withNameChangesOnlyTheName() {
        JobSpec job = SpecReader.read(Specs.FULL, List.of());

        JobSpec renamed = job.withName("tiny-gpt-2");

        assertEquals("tiny-gpt-2", renamed.metadata().name());
        assertEquals(job.metadata().labels(), renamed.metadata().labels());
        assertEquals(job.spec(), renamed.spec());
    }

    @Test
    void withNameValidatesTheNewName() {
        JobSpec job = SpecReader.read(Specs.FULL, List.of());

        SpecException e = assertThrows(SpecException.class, () -> job.withName("Not A Label"));

        assertEquals("metadata.name", e.problems().get(0).path());
    }

    @Test
    void withStepsAndWithUriGiveValidVariants() {
        JobSpec job = SpecReader.read(Specs.FULL, List.of());
        Spec spec = job.spec();

        Spec changed = spec.withTraining(spec.training().withSteps(500))
                .withCheckpoint(spec.checkpoint().withUri("file:/elsewhere"));

        assertEquals(500, changed.training().steps());
        assertEquals(spec.training().batchSize(), changed.training().batchSize());
        assertEquals("file:/elsewhere", changed.checkpoint().uri());
        assertEquals(spec.checkpoint().keep(), changed.checkpoint().keep());
        assertThrows(SpecException.class, () -> spec.training().withSteps(0));
    }

    @Test
    void crossSectionRulesApplyToVariantsToo() {
        Spec spec = SpecReader.read(Specs.FULL, List.of()).spec();   // warmupSteps: 10

        SpecException e = assertThrows(SpecException.class, () -> spec.withTraining(spec.training().withSteps(10)));

        assertEquals("spec.optimizer.schedule.warmupSteps", e.problems().get(0).path());
    }

    @Test
    void modelConfigCannotBeChangedFromOutside() {
        ObjectNode config = JsonNodeFactory.instance.objectNode().put("layers", 2);
        ModelSpec model = new ModelSpec("gpt", config, null);

        config.put("layers", 99);
        ((ObjectNode) model.config()).put("layers", 98);

        assertEquals(2, model.config().get("layers").intValue());
    }

    @Test
    void listsAndMapsAreCopiedAndUnmodifiable() {
        List<String> features = new ArrayList<>(List.of("a", "b"));
        Map<String, String> labels = new HashMap<>(Map.of("team", "nlp"));
        TabularSpec tabular = new TabularSpec(features, "y");
        Metadata metadata = new Metadata("job", labels);

        features.add("c");
        labels.put("x", "y");

        assertEquals(List.of("a", "b"), tabular.features());
        assertEquals(Map.of("team", "nlp"), metadata.labels());
        assertThrows(UnsupportedOperationException.class, () -> tabular.features().add("d"));
        assertThrows(UnsupportedOperationException.class, () -> metadata.labels().put("k", "v"));
    }

    @Test
    void modelConfigMustBeAnObject() {
        JsonNode list = JsonNodeFactory.instance.arrayNode().add(1);

        SpecException e = assertThrows(SpecException.class, () -> new ModelSpec("gpt", list, null));

        assertTrue(e.getMessage().startsWith("spec.model.config: got [1], expected an object"), e.getMessage());
    }
}

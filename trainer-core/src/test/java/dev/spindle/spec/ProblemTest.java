package dev.spindle.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProblemTest {

    @Test
    void badValueReadsGotAndExpected() {
        assertEquals("spec.training.steps: got -5, expected a whole number >= 1",
                new Problem("spec.training.steps", "-5", "a whole number >= 1").toString());
    }

    @Test
    void missingAndUnknownFieldReadWithoutGot() {
        assertEquals("spec.data.uri: missing, expected a path",
                new Problem("spec.data.uri", Problem.MISSING, "a path").toString());
        assertEquals("spec.trainng: unknown field, expected one of [training] (did you mean 'training'?)",
                new Problem("spec.trainng", Problem.UNKNOWN_FIELD, "one of [training] (did you mean 'training'?)")
                        .toString());
    }

    @Test
    void stringValuesAreQuotedSoTheyNeverReadAsTheMarkerWords() {
        assertEquals("'missing'", Problem.render("missing"));
        assertEquals("'it''s'", Problem.render(TextNode.valueOf("it's")));
        assertEquals("12", Problem.render(12));
    }

    @Test
    void longValuesAreClipped() {
        String rendered = Problem.render("x".repeat(500));

        assertEquals(80, rendered.length());
        assertEquals("...", rendered.substring(77));
    }

    @Test
    void exceptionMessageHasOneLinePerProblemAndNeedsOne() {
        SpecException e = new SpecException(List.of(new Problem("a", "1", "2"), new Problem("b", Problem.MISSING, "3")));

        assertEquals("a: got 1, expected 2\nb: missing, expected 3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SpecException(List.of()));
    }
}

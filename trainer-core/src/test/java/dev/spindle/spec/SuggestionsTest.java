package dev.spindle.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SuggestionsTest {

    @Test
    void distanceMatchesHandCountedEdits() {
        assertEquals(3, Suggestions.distance("kitten", "sitting"));   // k->s, e->i, +g
        assertEquals(1, Suggestions.distance("trainng", "training"));  // one insertion
        assertEquals(1, Suggestions.distance("trainnig", "training")); // one transposition
        assertEquals(0, Suggestions.distance("steps", "steps"));
        assertEquals(5, Suggestions.distance("", "steps"));
    }

    @Test
    void closestNameWithinTwoEditsIsSuggested() {
        List<String> names = List.of("model", "data", "optimizer", "training", "checkpoint");

        assertEquals(Optional.of("training"), Suggestions.closest("trainng", names));
        assertEquals(Optional.of("optimizer"), Suggestions.closest("optimiser", names));
        assertEquals(Optional.of("checkpoint"), Suggestions.closest("CheckPoint", names));
    }

    @Test
    void distantOrShortNamesGetNoSuggestion() {
        assertEquals(Optional.empty(), Suggestions.closest("colour", List.of("steps", "seed", "threads")));
        // Two edits turn "date" into "at", but a suggestion that shares half the word is noise.
        assertEquals(Optional.empty(), Suggestions.closest("date", List.of("at")));
    }
}

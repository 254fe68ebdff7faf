package dev.spindle.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class ResultsTableTest {

    private static String dataLine(String table, int index) {
        return table.split("\n")[2 + index];
    }

    @Test
    void pendingSpindleKeepsItsReasonAndLeavesItsRatiosEmpty() {
        String table = ResultsTable.render(List.of(ResultsTable.Row.parse("mlp,pending,2.0,4.0")));
        assertEquals("| mlp | pending | 2.00 | 4.00 | - | - | 0.50 |", dataLine(table, 0));
    }

    @Test
    void ratiosAreJudgedAgainstTheTargets() {
        // 2.1 / 2.0 = 1.05 meets the 5% target; 2.1 / 2.0 against PyTorch misses "at least as fast".
        String met = ResultsTable.render(List.of(new ResultsTable.Row("mlp", OptionalDouble.of(2.1), null, 2.0, 2.2)));
        assertEquals("| mlp | 2.10 | 2.00 | 2.20 | 1.05 (met) | 0.95 (met) | 0.91 |", dataLine(met, 0));
        String missed = ResultsTable.render(List.of(ResultsTable.Row.parse("gpt,230,200,210")));
        assertEquals("| gpt | 230.00 | 200.00 | 210.00 | 1.15 (missed) | 1.10 (missed) | 0.95 |", dataLine(missed, 0));
    }

    @Test
    void rowWithWrongCellCountIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResultsTable.Row.parse("mlp,2.0,4.0"));
        assertTrue(e.getMessage().contains("has 3 cells"), e.getMessage());
    }

    @Test
    void nonPositiveTimeIsRejectedWithField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResultsTable.Row.parse("mlp,pending,0,4.0"));
        assertTrue(e.getMessage().contains("row mlp: djlMs is 0.0"), e.getMessage());
        IllegalArgumentException notNumber = assertThrows(IllegalArgumentException.class,
                () -> ResultsTable.Row.parse("mlp,pending,fast,4.0"));
        assertTrue(notNumber.getMessage().contains("djlMs is 'fast'"), notNumber.getMessage());
    }
}

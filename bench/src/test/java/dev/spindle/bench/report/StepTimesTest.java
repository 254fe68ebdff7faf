package dev.spindle.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StepTimesTest {

    @Test
    void medianOfOddCountIsMiddleValue() {
        assertEquals(2.0, new StepTimes(List.of(3.0, 1.0, 2.0)).median(), 0);
    }

    @Test
    void medianOfEvenCountIsMeanOfMiddlePair() {
        assertEquals(2.5, new StepTimes(List.of(4.0, 1.0, 3.0, 2.0)).median(), 0);
    }

    @Test
    void warmupDropsLeadingSteps() {
        StepTimes times = new StepTimes(List.of(100.0, 90.0, 2.0, 3.0, 4.0)).afterWarmup(2);
        assertEquals(List.of(2.0, 3.0, 4.0), times.millis());
        assertEquals(3.0, times.median(), 0);
    }

    @Test
    void warmupThatLeavesNothingIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new StepTimes(List.of(1.0, 2.0)).afterWarmup(2));
        assertTrue(e.getMessage().contains("warm-up of 2 steps"), e.getMessage());
    }

    @Test
    void negativeOrNanTimeIsRejectedWithItsIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new StepTimes(List.of(1.0, Double.NaN)));
        assertTrue(e.getMessage().contains("step time 1 is NaN"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StepTimes(List.of(-1.0)));
    }

    @Test
    void roundMeansAverageConsecutiveGroupsAndDropPartialTail() {
        StepTimes times = new StepTimes(List.of(1.0, 3.0, 5.0, 7.0, 100.0));
        assertEquals(List.of(2.0, 6.0), times.roundMeans(2));
    }
}

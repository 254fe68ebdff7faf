package dev.spindle.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LrScheduleTest {

    @Test
    void constantIsTheSameAtEveryStep() {
        LrSchedule schedule = LrSchedule.constant(0.1);
        assertEquals(0.1, schedule.lr(0));
        assertEquals(0.1, schedule.lr(1_000_000));
    }

    @Test
    void warmupCosineRampsThenFollowsAHalfCosineToTheFloor() {
        LrSchedule schedule = LrSchedule.warmupCosine(1.0, 10, 110, 0.1);
        assertEquals(0.1, schedule.lr(0), 1e-12);
        assertEquals(0.5, schedule.lr(4), 1e-12);
        assertEquals(1.0, schedule.lr(9), 1e-12);
        assertEquals(1.0, schedule.lr(10), 1e-12);
        // halfway through the decay the cosine term is 1/2: 0.1 + 0.9 * 0.5
        assertEquals(0.55, schedule.lr(60), 1e-12);
        // a quarter of the way: 0.1 + 0.9 * (1 + cos(pi/4)) / 2
        assertEquals(0.1 + 0.9 * (1 + Math.sqrt(0.5)) / 2, schedule.lr(35), 1e-12);
        assertEquals(0.1, schedule.lr(110), 1e-12);
        assertEquals(0.1, schedule.lr(500), 1e-12);
    }

    @Test
    void warmupLinearDecaysInAStraightLine() {
        LrSchedule schedule = LrSchedule.warmupLinear(2.0, 4, 104, 0.0);
        assertEquals(1.0, schedule.lr(1), 1e-12);
        assertEquals(2.0, schedule.lr(4), 1e-12);
        assertEquals(1.5, schedule.lr(29), 1e-12);
        assertEquals(0.5, schedule.lr(79), 1e-12);
        assertEquals(0.0, schedule.lr(104), 1e-12);
    }

    @Test
    void noWarmupStartsAtThePeak() {
        assertEquals(3.0, LrSchedule.warmupCosine(3.0, 0, 10, 0.0).lr(0), 1e-12);
    }

    @Test
    void inconsistentArgumentsAreRejectedWithTheirValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LrSchedule.warmupCosine(1.0, 20, 10, 0.1));
        assertEquals("totalSteps: got 10, expected > 0 and >= warmupSteps (20)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.warmupLinear(1.0, 0, 10, 1.5));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.constant(Double.NaN));
    }
}

package dev.spindle.bench.bare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;

class BareLoopTest {

    @Test
    void stepsLeaveNoArraysBehindAndBatchesSurvive() {
        Engine.getInstance().setRandomSeed(5);
        BareGpt.Config config = new BareGpt.Config(11, 4, 1, 2, 8);
        try (NDManager manager = NDManager.newBaseManager()) {
            BareGpt gpt = new BareGpt(manager, config);
            List<NDList> batches = BareGpt.randomBatches(manager, 2, 3, config);
            BareAdamW adamw = new BareAdamW(gpt.parameters(), BareAdamW.Settings.withRate(1e-3f));
            int before = manager.getManagedArrays().size();
            BareLoop.Result result = BareLoop.run(gpt, adamw, batches, new BareLoop.Options(1, 2, 2, 5, 2));
            assertEquals(before, manager.getManagedArrays().size(), "arrays in the root manager after 5 steps");
            assertEquals(5, result.times().millis().size());
            assertEquals(3, batches.get(0).get(0).getShape().get(0), "the batch is still usable after the run");
            assertTrue(result.line("gpt").matches("RESULT impl=djl model=gpt threads=\\d+ median_ms=[0-9.]+ "
                    + "round_means_ms=[0-9.]+,[0-9.]+ first_loss=[0-9.]+ last_loss=[0-9.]+"), result.line("gpt"));
        }
    }

    @Test
    void optionsParseFlagsAndKeepDefaults() {
        BareLoop.Options options = BareLoop.Options.parse("--rounds", "3", "--steps", "7");
        assertEquals(new BareLoop.Options(BareLoop.DEFAULT_WARMUP, 3, 7, BareLoop.DEFAULT_SEED,
                BareLoop.DEFAULT_BATCHES), options);
        assertEquals(BareLoop.DEFAULT_WARMUP + 21, options.totalSteps());
    }

    @Test
    void badOptionsAreRejectedWithFlagAndValue() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> BareLoop.Options.parse("--round", "3"));
        assertTrue(unknown.getMessage().contains("unknown option --round"), unknown.getMessage());
        IllegalArgumentException notNumber = assertThrows(IllegalArgumentException.class,
                () -> BareLoop.Options.parse("--steps", "many"));
        assertTrue(notNumber.getMessage().contains("--steps is 'many'"), notNumber.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> BareLoop.Options.parse("--rounds", "0"));
        assertTrue(zero.getMessage().contains("--rounds is 0; expected >= 1"), zero.getMessage());
    }
}

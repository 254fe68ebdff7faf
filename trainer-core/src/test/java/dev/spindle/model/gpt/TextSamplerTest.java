package dev.spindle.model.gpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TextSamplerTest {

    private static final GptConfig TINY = new GptConfig(12, 4, 1, 2, 8, true, 0.0, 1e-5);

    private NDManager manager;
    private Gpt gpt;

    @BeforeEach
    void setUp() {
        Engine.getInstance().setRandomSeed(99);
        manager = NDManager.newBaseManager();
        gpt = new Gpt(TINY, manager);
    }

    @AfterEach
    void tearDown() {
        gpt.close();
        manager.close();
    }

    @Test
    void greedyIsDeterministicAndMatchesArgMaxOverTheCroppedContext() {
        int[] prompt = {1, 2, 3, 4, 5, 6};   // longer than the context of 4
        int[] first = TextSampler.generate(gpt, prompt, 5, 0.0, 0, 1L);
        int[] second = TextSampler.generate(gpt, prompt, 5, 0.0, 0, 2L);
        assertArrayEquals(first, second);
        assertEquals(11, first.length);
        assertArrayEquals(prompt, Arrays.copyOf(first, 6));
        // independent of the sampler: argmax of the last position, feeding only the last 4 tokens
        for (int length = 6; length < 11; length++) {
            try (NDManager step = manager.newSubManager()) {
                int[] window = Arrays.copyOfRange(first, length - 4, length);
                long expected = gpt.forward(step.create(window, new Shape(1, 4)), false)
                        .get(0, 3).argMax().getLong();
                assertEquals(expected, first[length], "token " + length);
            }
        }
    }

    @Test
    void samplingIsReproducibleForASeedAndTopOneIsGreedy() {
        int[] prompt = {7, 3};
        int[] a = TextSampler.generate(gpt, prompt, 8, 1.0, 5, 42L);
        int[] b = TextSampler.generate(gpt, prompt, 8, 1.0, 5, 42L);
        assertArrayEquals(a, b);
        assertArrayEquals(TextSampler.generate(gpt, prompt, 8, 0.0, 0, 0L),
                TextSampler.generate(gpt, prompt, 8, 1.5, 1, 123L));
    }

    @Test
    void rejectsTokensOutsideTheVocabulary() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TextSampler.generate(gpt, new int[] {1, 12}, 1, 0.0, 0, 0L));
        assertEquals("prompt[1]: got 12, expected a token id in [0, 12)", e.getMessage());
    }
}

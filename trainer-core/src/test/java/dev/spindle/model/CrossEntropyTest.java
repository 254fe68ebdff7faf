package dev.spindle.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CrossEntropyTest {

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void meanOverRowsMatchesLogSumExpByHand() {
        float[] logits = {1f, 2f, 3f, 0f, 0f, 5f};
        int[] labels = {2, 0};
        float loss = CrossEntropy.mean(manager.create(logits, new Shape(2, 3)), manager.create(labels)).getFloat();
        double row0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
        double row1 = Math.log(2 + Math.exp(5)) - 0;
        assertEquals((row0 + row1) / 2, loss, 1e-5);
    }

    @Test
    void sequenceLogitsAverageOverEveryPosition() {
        // [B=1, T=2, V=2]: positions (0, ln 3) with label 1 and (0, 0) with label 0
        NDArray logits = manager.create(new float[] {0f, (float) Math.log(3), 0f, 0f}, new Shape(1, 2, 2));
        NDArray labels = manager.create(new int[] {1, 0}, new Shape(1, 2));
        double expected = (-Math.log(0.75) - Math.log(0.5)) / 2;
        assertEquals(expected, CrossEntropy.mean(logits, labels).getFloat(), 1e-6);
    }

    @Test
    void labelsOfTheWrongCountAreRejectedWithBothShapes() {
        NDArray logits = manager.zeros(new Shape(2, 3, 5));
        NDArray labels = manager.zeros(new Shape(2, 2), ai.djl.ndarray.types.DataType.INT32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CrossEntropy.mean(logits, labels));
        assertTrue(e.getMessage().contains("expected 6 values to match logits of shape (2, 3, 5)"), e.getMessage());
    }
}

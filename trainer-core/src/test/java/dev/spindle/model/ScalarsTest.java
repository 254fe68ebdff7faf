package dev.spindle.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class ScalarsTest {

    /** Frees what the collector can and fills freshly allocated native memory with NaN. */
    static List<ByteBuffer> collectAndScribble() throws InterruptedException {
        List<ByteBuffer> scribbles = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(30);
            for (int i = 0; i < 2000; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
                b.putFloat(0, Float.NaN);
                scribbles.add(b);
            }
        }
        return scribbles;
    }

    /** d/dx sum(op(x)) after a garbage collection between forward and backward. */
    private static float[] gradientAfterGc(BiFunction<NDArray, Double, NDArray> op) throws InterruptedException {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.ones(new Shape(64));
            x.setRequiresGradient(true);
            List<ByteBuffer> keep;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray y = op.apply(x, 0.5).sum();
                keep = collectAndScribble();
                collector.backward(y);
            }
            float[] gradient = x.getGradient().toFloatArray();
            keep.clear();
            return gradient;
        }
    }

    @Test
    void aScalarOperandSurvivesAGarbageCollectionBeforeBackward() throws InterruptedException {
        float[] expected = new float[64];
        Arrays.fill(expected, 0.5f);
        for (int attempt = 0; attempt < 5; attempt++) {
            assertArrayEquals(expected, gradientAfterGc((x, c) -> x.mul(Scalars.of(x, c))), 0f);
        }
    }
}

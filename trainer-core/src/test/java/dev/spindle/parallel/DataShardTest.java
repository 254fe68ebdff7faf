package dev.spindle.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.model.Model;
import dev.spindle.model.ModelRegistry;
import dev.spindle.model.Scalars;
import dev.spindle.train.Batch;
import dev.spindle.train.BatchSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DataShardTest {

    private static final int FEATURES = 6;
    private static final int CLASSES = 3;

    private NDManager manager;

    @BeforeEach
    void createManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void unevenSlicesCoverTheGlobalBatchInRankOrderWithTheirScales() {
        int rows = 10;
        int ranks = 3;
        List<Batch> slices = new ArrayList<>();
        for (int rank = 0; rank < ranks; rank++) {
            BatchSource shard = DataShard.of(new Rows(rows, 7 * rows), rank, ranks);
            slices.add(shard.next(manager));
            assertEquals(new Rows(rows, 0).advance().cursor(), shard.cursor(), "the global cursor on every rank");
        }
        Batch global = new Rows(rows, 7 * rows).next(manager);

        assertEquals(List.of(4, 3, 3), slices.stream().map(Batch::samples).toList());
        assertEquals(List.of(28L, 21L, 21L), slices.stream().map(Batch::tokens).toList());
        assertEquals(List.of(1.2, 0.9, 0.9), slices.stream().map(Batch::lossScale).toList());
        NDArray inputs = slices.get(0).inputs().concat(slices.get(1).inputs()).concat(slices.get(2).inputs());
        NDArray labels = slices.get(0).labels().concat(slices.get(1).labels()).concat(slices.get(2).labels());
        assertArrayEquals(global.inputs().toFloatArray(), inputs.toFloatArray());
        assertArrayEquals(global.labels().toIntArray(), labels.toIntArray());
        assertEquals(List.of(0, 4, 7, 10), List.of(DataShard.start(0, 3, 10), DataShard.start(1, 3, 10),
                DataShard.start(2, 3, 10), DataShard.start(3, 3, 10)));
    }

    @Test
    void slicesOwnTheirMemoryInTheGivenManager() {
        BatchSource shard = DataShard.of(new Rows(8, 0), 1, 2);
        try (NDManager step = manager.newSubManager()) {
            Batch batch = shard.next(step);
            assertSame(step, batch.inputs().getManager());
            assertSame(step, batch.labels().getManager());
            assertEquals(new Shape(4, FEATURES), batch.inputs().getShape());
            assertEquals(2, step.getManagedArrays().size(), "only the slice's two arrays stay: " + step);
        }
    }

    @Test
    void scaledGradientsOfUnevenSlicesAverageToTheGlobalGradient() {
        int rows = 11;
        int ranks = 4; // slices of 3, 3, 3, 2 rows
        Model model = mlp();
        Map<String, float[]> global = gradients(model, new Rows(rows, 0).next(manager));
        Map<String, float[]> average = new LinkedHashMap<>();
        for (int rank = 0; rank < ranks; rank++) {
            Batch slice = DataShard.of(new Rows(rows, 0), rank, ranks).next(manager);
            gradients(model, slice).forEach((name, gradient) -> {
                float[] sum = average.computeIfAbsent(name, n -> new float[gradient.length]);
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += gradient[i] / ranks; // what the all-reduce with ReduceOp.AVG computes
                }
            });
        }
        for (Map.Entry<String, float[]> entry : global.entrySet()) {
            float[] want = entry.getValue();
            float[] got = average.get(entry.getKey());
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-6 + 1e-5 * Math.abs(want[i]), entry.getKey() + "[" + i + "]");
            }
        }
    }

    @Test
    void oneRankIsTheGlobalSourceItself() {
        BatchSource global = new Rows(5, 0);
        assertSame(global, DataShard.of(global, 0, 1));
    }

    @Test
    void aGlobalBatchWithFewerRowsThanRanksIsRefusedNamingBothSizes() {
        BatchSource shard = DataShard.of(new Rows(3, 0), 0, 4);

        IllegalArgumentException small = assertThrows(IllegalArgumentException.class, () -> shard.next(manager));

        assertTrue(small.getMessage().contains("a global batch of 3 rows cannot give each of 4 ranks a row"),
                small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DataShard.of(new Rows(3, 0), 4, 4));
        assertThrows(IllegalArgumentException.class, () -> DataShard.of(new Rows(3, 0), 0, 0));
    }

    /** The gradient of {@code lossScale * mean loss} on {@code batch}, by parameter name. */
    private Map<String, float[]> gradients(Model model, Batch batch) {
        Map<String, float[]> gradients = new LinkedHashMap<>();
        boolean previous = JniUtils.isGradMode();
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = model.loss(model.forward(batch.inputs(), true), batch.labels());
            collector.backward(loss.mul(Scalars.of(loss, batch.lossScale())));
        } finally {
            JniUtils.setGradMode(previous);
        }
        for (Map.Entry<String, NDArray> entry : model.parameters().asMap().entrySet()) {
            try (NDArray gradient = entry.getValue().getGradient()) {
                gradients.put(entry.getKey(), gradient.toFloatArray());
            }
            JniUtils.zeroGrad((PtNDArray) entry.getValue()); // libtorch accumulates into .grad otherwise

        }
        return gradients;
    }

    private Model mlp() {
        Engine.getInstance().setRandomSeed(11);
        var config = new ObjectMapper().createObjectNode().put("inputs", FEATURES).put("classes", CLASSES);
        config.putArray("hidden").add(8);
        return ModelRegistry.defaults().create("mlp", config, manager);
    }

    /** Global batches of {@code rows} random rows (batch i is a function of i), with a cursor. */
    private static final class Rows implements BatchSource {
        private final int rows;
        private final long tokens;
        private long next;

        Rows(int rows, long tokens) {
            this.rows = rows;
            this.tokens = tokens;
        }

        Rows advance() {
            next++;
            return this;
        }

        @Override
        public Batch next(NDManager manager) {
            Random random = new Random(1000 + next++);
            float[] x = new float[rows * FEATURES];
            int[] y = new int[rows];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < y.length; i++) {
                y[i] = random.nextInt(CLASSES);
            }
            return new Batch(manager.create(x, new Shape(rows, FEATURES)), manager.create(y), rows, tokens);
        }

        @Override
        public String cursor() {
            return "{\"next\":" + next + "}";
        }

        @Override
        public void close() {}
    }
}

package dev.spindle.bench.bare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class BareMlpTest {

    @Test
    void benchModelHasTorchLinearNamesAndShapes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            BareMlp mlp = new BareMlp(manager, BareMlp.BENCH_WIDTHS);
            assertEquals(List.of("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"),
                    mlp.parameterNames());
            assertEquals(new Shape(512, 784), mlp.parameters().get(0).getShape());
            assertEquals(new Shape(10, 512), mlp.parameters().get(2).getShape());
        }
    }

    @Test
    void lossMatchesPlainJavaForwardAndCrossEntropy() {
        int[] widths = {5, 4, 3};
        int rows = 6;
        Engine.getInstance().setRandomSeed(7);
        try (NDManager manager = NDManager.newBaseManager()) {
            BareMlp mlp = new BareMlp(manager, widths);
            NDList batch = BareMlp.randomBatches(manager, 1, rows, widths[0], widths[2]).get(0);
            float loss = mlp.loss(batch.get(0), batch.get(1)).getFloat();

            float[] x = batch.get(0).toFloatArray();
            long[] y = batch.get(1).toLongArray();
            float[] w0 = mlp.parameters().get(0).toFloatArray();
            float[] b0 = mlp.parameters().get(1).toFloatArray();
            float[] w1 = mlp.parameters().get(2).toFloatArray();
            float[] b1 = mlp.parameters().get(3).toFloatArray();
            double total = 0;
            for (int r = 0; r < rows; r++) {
                double[] hidden = new double[widths[1]];
                for (int o = 0; o < widths[1]; o++) {
                    double sum = b0[o];
                    for (int i = 0; i < widths[0]; i++) {
                        sum += (double) w0[o * widths[0] + i] * x[r * widths[0] + i];
                    }
                    hidden[o] = Math.max(0, sum);
                }
                double[] logits = new double[widths[2]];
                double max = Double.NEGATIVE_INFINITY;
                for (int o = 0; o < widths[2]; o++) {
                    double sum = b1[o];
                    for (int i = 0; i < widths[1]; i++) {
                        sum += w1[o * widths[1] + i] * hidden[i];
                    }
                    logits[o] = sum;
                    max = Math.max(max, sum);
                }
                double partition = 0;
                for (double logit : logits) {
                    partition += Math.exp(logit - max);
                }
                total += max + Math.log(partition) - logits[(int) y[r]];
            }
            assertEquals(total / rows, loss, 1e-5);
        }
    }

    @Test
    void trainingOnOneBatchDrivesTheLossDown() {
        Engine.getInstance().setRandomSeed(3);
        try (NDManager manager = NDManager.newBaseManager()) {
            BareMlp mlp = new BareMlp(manager, new int[] {16, 32, 4});
            List<NDList> batches = BareMlp.randomBatches(manager, 1, 32, 16, 4);
            BareAdamW adamw = new BareAdamW(mlp.parameters(), BareAdamW.Settings.withRate(1e-2f));
            BareLoop.Result result = BareLoop.run(mlp, adamw, batches, new BareLoop.Options(0, 1, 40, 3, 1));
            float first = result.losses().get(0);
            float last = result.losses().get(result.losses().size() - 1);
            assertEquals(40, result.losses().size());
            assertTrue(last < 0.5f * first,
                    "loss went from " + first + " to " + last + "; expected it to halve in 40 steps");
        }
    }

    @Test
    void singleWidthIsRejected() {
        try (NDManager manager = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new BareMlp(manager, new int[] {784}));
            assertTrue(e.getMessage().contains("widths has 1 entries"));
        }
    }
}

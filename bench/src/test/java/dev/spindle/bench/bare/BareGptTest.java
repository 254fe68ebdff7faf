package dev.spindle.bench.bare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BareGptTest {

    private static final BareGpt.Config TINY = new BareGpt.Config(7, 4, 2, 2, 8);

    @Test
    void benchModelHasGpt2NamesAndParameterCount() {
        try (NDManager manager = NDManager.newBaseManager()) {
            BareGpt gpt = new BareGpt(manager, BareGpt.Config.BENCH);
            List<String> names = gpt.parameterNames();
            assertEquals(2 + 12 * 4 + 2, names.size());
            assertEquals("transformer.h.0.attn.c_attn.weight", names.get(4));
            assertEquals("transformer.ln_f.bias", names.get(names.size() - 1));
            long count = gpt.parameters().stream().mapToLong(p -> p.getShape().size()).sum();
            // 257*128 + 64*128 + 4 * (4*128 + 128*384+384 + 128*128+128 + 128*512+512 + 512*128+128) + 2*128
            assertEquals(834_432, count);
        }
    }

    @Test
    void lossMatchesPlainJavaTransformer() {
        Engine.getInstance().setRandomSeed(11);
        try (NDManager manager = NDManager.newBaseManager()) {
            BareGpt gpt = new BareGpt(manager, TINY);
            // Layer norms start at (1, 0) and biases at 0, which would hide a mix-up; perturb them all.
            for (NDArray p : gpt.parameters()) {
                p.addi(manager.randomNormal(0, 0.3f, p.getShape(), p.getDataType()));
            }
            NDList batch = BareGpt.randomBatches(manager, 1, 2, TINY).get(0);
            float loss = gpt.loss(batch.get(0), batch.get(1)).getFloat();
            Map<String, float[]> params = new HashMap<>();
            for (int i = 0; i < gpt.parameters().size(); i++) {
                params.put(gpt.parameterNames().get(i), gpt.parameters().get(i).toFloatArray());
            }
            double expected = new Reference(params, TINY).loss(batch.get(0).toLongArray(), batch.get(1).toLongArray());
            assertEquals(expected, loss, 1e-5);
        }
    }

    @Test
    void sequenceOfWrongLengthIsRejected() {
        try (NDManager manager = NDManager.newBaseManager()) {
            BareGpt gpt = new BareGpt(manager, TINY);
            NDArray tokens = manager.zeros(new Shape(2, 3), DataType.INT64);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gpt.forward(tokens));
            assertTrue(e.getMessage().contains("expected [batch, 4]"), e.getMessage());
        }
    }

    @Test
    void headsThatDoNotDivideHiddenAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BareGpt.Config(7, 4, 1, 3, 8));
        assertTrue(e.getMessage().contains("hiddenSize 8 is not divisible by heads 3"), e.getMessage());
    }

    /** GPT-2 forward in double precision, loops only, GELU in its 0.5 x (1 + tanh) form. */
    private record Reference(Map<String, float[]> p, BareGpt.Config c) {

        double loss(long[] tokens, long[] labels) {
            int t = c.contextLength();
            int batches = tokens.length / t;
            double total = 0;
            for (int b = 0; b < batches; b++) {
                double[][] x = new double[t][c.hiddenSize()];
                for (int i = 0; i < t; i++) {
                    for (int k = 0; k < c.hiddenSize(); k++) {
                        x[i][k] = p.get("transformer.wte.weight")[(int) tokens[b * t + i] * c.hiddenSize() + k]
                                + p.get("transformer.wpe.weight")[i * c.hiddenSize() + k];
                    }
                }
                for (int l = 0; l < c.layers(); l++) {
                    String h = "transformer.h." + l + ".";
                    double[][] a = attention(norm(x, h + "ln_1"), h + "attn.");
                    for (int i = 0; i < t; i++) {
                        double[] f = affine(gelu(affine(norm(add(x[i], a[i]), h + "ln_2"), h + "mlp.c_fc")),
                                h + "mlp.c_proj");
                        x[i] = add(add(x[i], a[i]), f);
                    }
                }
                for (int i = 0; i < t; i++) {
                    double[] z = norm(x[i], "transformer.ln_f");
                    double[] logits = new double[c.vocabSize()];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int v = 0; v < c.vocabSize(); v++) {
                        for (int k = 0; k < c.hiddenSize(); k++) {
                            logits[v] += z[k] * p.get("transformer.wte.weight")[v * c.hiddenSize() + k];
                        }
                        max = Math.max(max, logits[v]);
                    }
                    double partition = 0;
                    for (double logit : logits) {
                        partition += Math.exp(logit - max);
                    }
                    total += max + Math.log(partition) - logits[(int) labels[b * t + i]];
                }
            }
            return total / tokens.length;
        }

        private double[][] attention(double[][] h, String prefix) {
            int t = h.length;
            int width = c.hiddenSize();
            int d = width / c.heads();
            double[][] qkv = new double[t][];
            for (int i = 0; i < t; i++) {
                qkv[i] = affine(h[i], prefix + "c_attn");
            }
            double[][] y = new double[t][width];
            for (int head = 0; head < c.heads(); head++) {
                for (int i = 0; i < t; i++) {
                    double[] w = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        for (int k = 0; k < d; k++) {
                            w[j] += qkv[i][head * d + k] * qkv[j][width + head * d + k];
                        }
                        w[j] /= Math.sqrt(d);
                        max = Math.max(max, w[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        w[j] = Math.exp(w[j] - max);
                        sum += w[j];
                    }
                    for (int j = 0; j <= i; j++) {
                        for (int k = 0; k < d; k++) {
                            y[i][head * d + k] += w[j] / sum * qkv[j][2 * width + head * d + k];
                        }
                    }
                }
            }
            double[][] out = new double[t][];
            for (int i = 0; i < t; i++) {
                out[i] = affine(y[i], prefix + "c_proj");
            }
            return out;
        }

        private double[][] norm(double[][] x, String prefix) {
            double[][] out = new double[x.length][];
            for (int i = 0; i < x.length; i++) {
                out[i] = norm(x[i], prefix);
            }
            return out;
        }

        private double[] norm(double[] x, String prefix) {
            double mean = 0;
            for (double v : x) {
                mean += v / x.length;
            }
            double variance = 0;
            for (double v : x) {
                variance += (v - mean) * (v - mean) / x.length;
            }
            float[] gamma = p.get(prefix + ".weight");
            float[] beta = p.get(prefix + ".bias");
            double[] out = new double[x.length];
            for (int k = 0; k < x.length; k++) {
                out[k] = (x[k] - mean) / Math.sqrt(variance + BareGpt.LAYER_NORM_EPS) * gamma[k] + beta[k];
            }
            return out;
        }

        /** GPT-2 Conv1D: weight [in, out], x @ W + b. */
        private double[] affine(double[] x, String prefix) {
            float[] w = p.get(prefix + ".weight");
            float[] bias = p.get(prefix + ".bias");
            double[] out = new double[bias.length];
            for (int o = 0; o < bias.length; o++) {
                out[o] = bias[o];
                for (int i = 0; i < x.length; i++) {
                    out[o] += x[i] * w[i * bias.length + o];
                }
            }
            return out;
        }

        private static double[] gelu(double[] x) {
            double[] out = new double[x.length];
            for (int k = 0; k < x.length; k++) {
                double u = Math.sqrt(2 / Math.PI) * (x[k] + 0.044715 * x[k] * x[k] * x[k]);
                out[k] = 0.5 * x[k] * (1 + Math.tanh(u));
            }
            return out;
        }

        private static double[] add(double[] a, double[] b) {
            double[] out = new double[a.length];
            for (int k = 0; k < a.length; k++) {
                out[k] = a[k] + b[k];
            }
            return out;
        }
    }
}

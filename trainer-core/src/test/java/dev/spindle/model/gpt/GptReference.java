package dev.spindle.model.gpt;

import dev.spindle.model.Parameters;
import java.util.HashMap;
import java.util.Map;

/**
 * GPT-2's forward pass written out in plain Java doubles, one position at a time, from the
 * published formulas: an independent check of {@link Gpt}'s tensor code and weight layout.
 */
final class GptReference {

    private final GptConfig c;
    private final Map<String, float[]> w = new HashMap<>();

    GptReference(GptConfig config, Parameters parameters) {
        this.c = config;
        for (String name : parameters.names()) {
            w.put(name, parameters.get(name).toFloatArray());
        }
    }

    /** Logits {@code [T][V]} for one sequence. */
    double[][] logits(int[] tokens) {
        int time = tokens.length;
        int h = c.hiddenSize();
        double[][] x = new double[time][h];
        for (int t = 0; t < time; t++) {
            for (int i = 0; i < h; i++) {
                x[t][i] = w.get("transformer.wte.weight")[tokens[t] * h + i] + w.get("transformer.wpe.weight")[t * h + i];
            }
        }
        for (int layer = 0; layer < c.layers(); layer++) {
            String p = "transformer.h." + layer + ".";
            double[][] a = new double[time][];
            for (int t = 0; t < time; t++) {
                a[t] = affine(layerNorm(x[t], p + "ln_1"), p + "attn.c_attn", h, 3 * h);
            }
            double[][] merged = new double[time][h];
            int hd = c.headSize();
            for (int head = 0; head < c.heads(); head++) {
                for (int t = 0; t < time; t++) {
                    double[] scores = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) {
                        double dot = 0;
                        for (int d = 0; d < hd; d++) {
                            dot += a[t][head * hd + d] * a[s][h + head * hd + d];
                        }
                        scores[s] = dot / Math.sqrt(hd);
                        max = Math.max(max, scores[s]);
                    }
                    double total = 0;
                    for (int s = 0; s <= t; s++) {
                        scores[s] = Math.exp(scores[s] - max);
                        total += scores[s];
                    }
                    for (int s = 0; s <= t; s++) {
                        for (int d = 0; d < hd; d++) {
                            merged[t][head * hd + d] += scores[s] / total * a[s][2 * h + head * hd + d];
                        }
                    }
                }
            }
            for (int t = 0; t < time; t++) {
                add(x[t], affine(merged[t], p + "attn.c_proj", h, h));
                double[] hidden = affine(layerNorm(x[t], p + "ln_2"), p + "mlp.c_fc", h, 4 * h);
                for (int i = 0; i < hidden.length; i++) {
                    double v = hidden[i];
                    hidden[i] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
                }
                add(x[t], affine(hidden, p + "mlp.c_proj", 4 * h, h));
            }
        }
        float[] head = w.get(c.tiedHead() ? "transformer.wte.weight" : "lm_head.weight");
        double[][] logits = new double[time][c.vocabSize()];
        for (int t = 0; t < time; t++) {
            double[] y = layerNorm(x[t], "transformer.ln_f");
            for (int v = 0; v < c.vocabSize(); v++) {
                for (int i = 0; i < h; i++) {
                    logits[t][v] += y[i] * head[v * h + i];
                }
            }
        }
        return logits;
    }

    private double[] layerNorm(double[] x, String prefix) {
        double mean = 0;
        for (double v : x) {
            mean += v / x.length;
        }
        double variance = 0;
        for (double v : x) {
            variance += (v - mean) * (v - mean) / x.length;
        }
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (x[i] - mean) / Math.sqrt(variance + c.layerNormEps()) * w.get(prefix + ".weight")[i]
                    + w.get(prefix + ".bias")[i];
        }
        return out;
    }

    /** Conv1D: {@code x @ W + b} with {@code W [in, out]} stored row-major. */
    private double[] affine(double[] x, String prefix, int in, int out) {
        float[] weight = w.get(prefix + ".weight");
        float[] bias = w.get(prefix + ".bias");
        double[] y = new double[out];
        for (int j = 0; j < out; j++) {
            y[j] = bias[j];
            for (int i = 0; i < in; i++) {
                y[j] += x[i] * weight[i * out + j];
            }
        }
        return y;
    }

    private static void add(double[] target, double[] delta) {
        for (int i = 0; i < target.length; i++) {
            target[i] += delta[i];
        }
    }
}

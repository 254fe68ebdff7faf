package dev.spindle.model.gpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.spindle.model.Model;
import java.util.Arrays;
import java.util.Random;

/**
 * Autoregressive sampling from a token model, for smoke tests and demos of a trained model.
 *
 * <pre>{@code
 * int[] text = TextSampler.generate(gpt, prompt, 50, 0.8, 40, 7L);   // prompt followed by 50 tokens
 * int[] greedy = TextSampler.generate(gpt, prompt, 50, 0.0, 0, 0L);
 * }</pre>
 */
public final class TextSampler {

    private TextSampler() {}

    /**
     * Extends {@code prompt} by {@code newTokens} tokens without recording gradients. Each step feeds
     * the last {@code contextLength} tokens and draws from the last position's distribution.
     *
     * @param temperature {@code 0} for greedy (the most likely token, lowest id on ties), otherwise
     *     the logits are divided by it before sampling
     * @param topK {@code 0} to sample from the whole vocabulary, otherwise only from the {@code topK}
     *     most likely tokens
     * @param seed seeds the draws, so equal arguments give equal output
     * @return the prompt followed by the new tokens
     */
    public static int[] generate(Model gpt, int[] prompt, int newTokens, double temperature, int topK, long seed) {
        check(gpt, prompt, newTokens, temperature, topK);
        int[] tokens = Arrays.copyOf(prompt, prompt.length + newTokens);
        Random random = new Random(seed);
        NDArray anyParameter = gpt.parameters().asMap().values().iterator().next();
        // sampling may run on a thread that trains: leave its grad mode as it was found
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager manager = NDManager.newBaseManager(anyParameter.getDevice())) {
            for (int length = prompt.length; length < tokens.length; length++) {
                int start = Math.max(0, length - gpt.contextLength());
                int[] window = Arrays.copyOfRange(tokens, start, length);
                try (NDManager step = manager.newSubManager()) {
                    NDArray logits = gpt.forward(step.create(window, new Shape(1, window.length)), false);
                    float[] last = logits.get(0, window.length - 1).toFloatArray();
                    tokens[length] = temperature == 0.0 ? argMax(last) : draw(last, temperature, topK, random);
                }
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
        return tokens;
    }

    private static void check(Model gpt, int[] prompt, int newTokens, double temperature, int topK) {
        if (gpt.inputKind() != Model.InputKind.TOKENS) {
            throw new IllegalArgumentException("model: got a '" + gpt.architecture()
                    + "' model that reads " + gpt.inputKind() + ", expected one that reads TOKENS");
        }
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt: got no tokens, expected at least one");
        }
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= gpt.inputSize()) {
                throw new IllegalArgumentException("prompt[" + i + "]: got " + prompt[i]
                        + ", expected a token id in [0, " + gpt.inputSize() + ")");
            }
        }
        if (newTokens < 0) {
            throw new IllegalArgumentException("newTokens: got " + newTokens + ", expected >= 0");
        }
        if (!(temperature >= 0.0 && Double.isFinite(temperature))) {
            throw new IllegalArgumentException("temperature: got " + temperature + ", expected >= 0 (0 = greedy)");
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK: got " + topK + ", expected >= 0 (0 = no limit)");
        }
    }

    private static int argMax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int draw(float[] logits, double temperature, int topK, Random random) {
        double cutoff = Double.NEGATIVE_INFINITY;
        if (topK > 0 && topK < logits.length) {
            float[] sorted = logits.clone();
            Arrays.sort(sorted);
            cutoff = sorted[sorted.length - topK];
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double[] weights = new double[logits.length];
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            // ties at the cutoff all stay in, which keeps the result independent of sort stability
            weights[i] = logits[i] >= cutoff ? Math.exp((logits[i] - max) / temperature) : 0.0;
            total += weights[i];
        }
        double target = random.nextDouble() * total;
        int last = 0;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] > 0) {
                last = i;
                target -= weights[i];
                if (target < 0) {
                    return i;
                }
            }
        }
        return last;
    }
}

package dev.spindle.model.gpt;

import dev.spindle.model.ModelConfigException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How the blocks of a gpt model split into pipeline stages: stage {@code p} holds blocks
 * {@code [first(p), first(p) + layers(p))}, stage 0 also the embeddings, the last stage also the
 * final layer norm and the output head.
 *
 * <pre>{@code
 * GptStages stages = GptStages.balanced(config, 4);     // by parameter count
 * GptStages given = GptStages.of(config, 1, 3);          // 1 block on stage 0, 3 on stage 1
 * }</pre>
 */
public final class GptStages {

    private final int[] layers;
    private final int[] first;

    private GptStages(int[] layers) {
        this.layers = layers.clone();
        this.first = new int[layers.length];
        for (int p = 1; p < layers.length; p++) {
            first[p] = first[p - 1] + layers[p - 1];
        }
    }

    /** The given number of blocks per stage; they must add up to the model's layers, each at least 1. */
    public static GptStages of(GptConfig config, int... layersPerStage) {
        List<String> problems = new ArrayList<>();
        if (layersPerStage.length < 1) {
            problems.add("stages: got none, expected one block count per pipeline stage");
        }
        int sum = 0;
        for (int count : layersPerStage) {
            if (count < 1) {
                problems.add("stages: got " + Arrays.toString(layersPerStage) + ", expected at least 1 block per stage");
                break;
            }
            sum += count;
        }
        if (problems.isEmpty() && sum != config.layers()) {
            problems.add("stages: got " + Arrays.toString(layersPerStage) + " (" + sum + " blocks), expected counts"
                    + " that add up to the model's layers (" + config.layers() + ")");
        }
        ModelConfigException.throwIfAny(problems);
        return new GptStages(layersPerStage);
    }

    /**
     * {@code stages} stages whose largest parameter count is as small as it can be: the embeddings weigh
     * on stage 0 and the head (a copy of the token embedding when tied) on the last.
     */
    public static GptStages balanced(GptConfig config, int stages) {
        if (stages < 1 || stages > config.layers()) {
            ModelConfigException.throwIfAny(List.of("pipeline: got " + stages + " stages for " + config.layers()
                    + " layers, expected between 1 and the number of layers (every stage holds at least one block)"));
        }
        int n = config.layers();
        long h = config.hiddenSize();
        long block = 12 * h * h + 13 * h;
        long embeddings = (long) config.vocabSize() * h + (long) config.contextLength() * h;
        long head = 2 * h + (long) config.vocabSize() * h;
        // best[p][i]: the smallest possible largest stage when stages 0..p hold blocks 0..i-1
        long[][] best = new long[stages][n + 1];
        int[][] cut = new int[stages][n + 1];
        for (long[] row : best) {
            Arrays.fill(row, Long.MAX_VALUE);
        }
        for (int i = 1; i <= n; i++) {
            best[0][i] = embeddings + i * block + (stages == 1 ? head : 0);
        }
        for (int p = 1; p < stages; p++) {
            for (int i = p + 1; i <= n; i++) {
                for (int j = p; j < i; j++) {
                    if (best[p - 1][j] == Long.MAX_VALUE) {
                        continue;
                    }
                    long stage = (i - j) * block + (p == stages - 1 ? head : 0);
                    long worst = Math.max(best[p - 1][j], stage);
                    if (worst < best[p][i]) {
                        best[p][i] = worst;
                        cut[p][i] = j;
                    }
                }
            }
        }
        int[] layers = new int[stages];
        int end = n;
        for (int p = stages - 1; p > 0; p--) {
            int start = cut[p][end];
            layers[p] = end - start;
            end = start;
        }
        layers[0] = end;
        return new GptStages(layers);
    }

    /** The number of stages. */
    public int stages() {
        return layers.length;
    }

    /** The index of stage {@code p}'s first block. */
    public int first(int p) {
        return first[p];
    }

    /** The number of blocks on stage {@code p}. */
    public int layers(int p) {
        return layers[p];
    }

    /** Blocks per stage, in stage order. */
    public int[] layersPerStage() {
        return layers.clone();
    }

    @Override
    public String toString() {
        return Arrays.toString(layers);
    }
}

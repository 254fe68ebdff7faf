package dev.spindle.bench.peft;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.spindle.model.Model;
import dev.spindle.model.gpt.Gpt;
import dev.spindle.model.gpt.GptConfig;
import dev.spindle.optim.AdamW;
import dev.spindle.optim.Optimizer;
import dev.spindle.peft.lora.LoraAdapter;
import dev.spindle.peft.lora.LoraConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * LoRA fine-tuning against full fine-tuning of the same GPT, batch and optimizer: step time and
 * optimizer-state bytes, measured interleaved in one JVM so that both see the same machine load.
 *
 * <pre>
 * java ... dev.spindle.bench.peft.LoraStepBench HIDDEN HEADS ROUNDS [DROPOUT]
 * </pre>
 *
 * The model has vocabulary 257, context 64 and 4 layers; LoRA r=8, alpha=16 on {@code c_attn} and
 * {@code mlp.c_fc}; batch 32 x 64 tokens; AdamW. Each round takes two steps of each, in ABBA order.
 */
public final class LoraStepBench {

    private static final int BATCH = 32;
    private static final int CONTEXT = 64;

    private LoraStepBench() {}

    private static double step(Model model, Optimizer optimizer, NDManager root, int seed) {
        long t0 = System.nanoTime();
        try (NDManager step = root.newSubManager()) {
            Engine.getInstance().setRandomSeed(seed);
            NDArray tokens = step.randomInteger(0, 257, new Shape(BATCH, CONTEXT), DataType.INT32);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(model.loss(model.forward(tokens, true), tokens));
            }
            optimizer.step(model.parameters(), 1e-3f);
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static long stateBytes(Optimizer optimizer) {
        long bytes = 0;
        for (NDArray state : optimizer.state().values()) {
            bytes += state.size() * state.getDataType().getNumOfBytes();
        }
        return bytes;
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: LoraStepBench HIDDEN HEADS ROUNDS [DROPOUT]");
            System.exit(2);
        }
        int hidden = Integer.parseInt(args[0]);
        int heads = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        double dropout = args.length > 3 ? Double.parseDouble(args[3]) : 0.0;
        GptConfig config = new GptConfig(257, CONTEXT, 4, heads, hidden, true, 0.0, 1e-5);
        try (NDManager root = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1);
            Gpt full = new Gpt(config, root);
            Engine.getInstance().setRandomSeed(1);
            Gpt lora = new Gpt(config, root);
            LoraAdapter adapter = LoraAdapter.attach(lora, new LoraConfig(8, 16, dropout,
                    List.of("c_attn", "mlp.c_fc"), null, LoraConfig.Bias.NONE, List.of()));
            System.out.println(adapter.summary());
            Optimizer fullAdam = new AdamW(root, 0.9, 0.999, 1e-8, 0.01);
            Optimizer loraAdam = new AdamW(root, 0.9, 0.999, 1e-8, 0.0);
            List<Double> fullMs = new ArrayList<>();
            List<Double> loraMs = new ArrayList<>();
            step(full, fullAdam, root, 0);
            step(lora, loraAdam, root, 0);
            for (int r = 0; r < rounds; r++) {
                fullMs.add(step(full, fullAdam, root, r));
                loraMs.add(step(lora, loraAdam, root, r));
                loraMs.add(step(lora, loraAdam, root, r));
                fullMs.add(step(full, fullAdam, root, r));
            }
            Collections.sort(fullMs);
            Collections.sort(loraMs);
            System.out.printf("RESULT hidden=%d full_median_ms=%.1f lora_median_ms=%.1f lora/full=%.2f"
                            + " full_optimizer_bytes=%d lora_optimizer_bytes=%d%n",
                    hidden, fullMs.get(fullMs.size() / 2), loraMs.get(loraMs.size() / 2),
                    loraMs.get(loraMs.size() / 2) / fullMs.get(fullMs.size() / 2),
                    stateBytes(fullAdam), stateBytes(loraAdam));
        }
    }
}

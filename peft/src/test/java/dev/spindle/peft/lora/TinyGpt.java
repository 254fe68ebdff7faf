package dev.spindle.peft.lora;

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
import java.util.LinkedHashMap;
import java.util.Map;

/** A two-block GPT and a few seeded training steps on random tokens, for LoRA tests. */
public final class TinyGpt {

    /** vocab 16, context 8, 2 layers, 2 heads, hidden 16, untied head. */
    public static final GptConfig CONFIG = new GptConfig(16, 8, 2, 2, 16, false, 0.0, 1e-5);

    private TinyGpt() {}

    public static Gpt create(NDManager manager, int seed) {
        Engine.getInstance().setRandomSeed(seed);
        return new Gpt(CONFIG, manager);
    }

    /** {@code [2, 8]} int32 tokens drawn from {@code seed}. */
    public static NDArray tokens(NDManager manager, int seed) {
        Engine.getInstance().setRandomSeed(seed);
        return manager.randomInteger(0, 16, new Shape(2, 8), DataType.INT32);
    }

    /** Trains {@code steps} AdamW steps (lr 1e-2) on next-token prediction of random tokens. */
    public static Optimizer train(Model model, NDManager manager, int steps) {
        Optimizer optimizer = new AdamW(manager, 0.9, 0.999, 1e-8, 0.01);
        for (int step = 0; step < steps; step++) {
            try (NDManager m = manager.newSubManager()) {
                NDArray tokens = tokens(m, 100 + step);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray logits = model.forward(tokens, true);
                    collector.backward(model.loss(logits, tokens));
                }
                optimizer.step(model.parameters(), 1e-2f);
            }
        }
        return optimizer;
    }

    /** Copies of every parameter, by name, so later changes can be compared against them. */
    public static Map<String, float[]> snapshot(Model model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.parameters().asMap().forEach((name, array) -> out.put(name, array.toFloatArray()));
        return out;
    }
}

package dev.spindle.peft.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.spindle.model.LinearHook;
import dev.spindle.model.LinearModule;
import dev.spindle.model.Model;
import dev.spindle.model.Parameters;
import dev.spindle.model.Scalars;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * LoRA on a model's named linear layers: registers {@code <module>.lora_A.weight [r, in]} and
 * {@code <module>.lora_B.weight [out, r]} into the model's {@link Parameters}, freezes every base
 * parameter (except biases or modules the config asks to train) and adds
 * {@code (alpha/r) * dropout(x) A^T B^T} to each targeted layer's output through the model's
 * {@link LinearHook}. A is initialised kaiming-uniform (bound {@code 1/sqrt(in)}, as PEFT and torch's
 * Linear do) and B to zero, so the adapted model starts out computing exactly the base model.
 *
 * <pre>{@code
 * Engine.getInstance().setRandomSeed(seed);
 * LoraAdapter lora = LoraAdapter.attach(model, LoraConfig.of(List.of("c_attn"), 8, 16));
 * System.out.println(lora.summary());        // LoRA r=8 on 2 modules: ...
 * // train model as usual: only trainable parameters get gradients and optimizer state
 * lora.merge();                              // W += (alpha/r) B A, the hook stands aside
 * lora.unmerge();                            // back to the frozen base (within float rounding)
 * lora.load(otherConfig, otherTensors);      // swap to another adapter on the same base
 * }</pre>
 */
public final class LoraAdapter implements LinearHook {

    /** The infix PEFT gives the down projection's parameter. */
    public static final String LORA_A = ".lora_A.weight";
    /** The infix PEFT gives the up projection's parameter. */
    public static final String LORA_B = ".lora_B.weight";

    private final Model model;
    private final List<LinearModule> modules;
    private final Map<String, NDArray[]> byModule = new HashMap<>();
    /** The values of trainable base parameters when the adapter was attached, to swap back to. */
    private final Map<String, NDArray> originals = new LinkedHashMap<>();
    private final NDManager manager;
    private LoraConfig config;
    private boolean merged;

    private LoraAdapter(Model model, LoraConfig config, List<LinearModule> modules) {
        this.model = model;
        this.config = config;
        this.modules = List.copyOf(modules);
        Parameters parameters = model.parameters();
        this.manager = parameters.asMap().values().iterator().next().getManager();
        for (LinearModule module : modules) {
            float bound = (float) (1.0 / Math.sqrt(module.inFeatures()));
            NDArray a = parameters.register(module.name() + LORA_A, manager.randomUniform(-bound, bound,
                    new Shape(config.r(), module.inFeatures()), DataType.FLOAT32));
            NDArray b = parameters.register(module.name() + LORA_B,
                    manager.zeros(new Shape(module.outFeatures(), config.r())));
            byModule.put(module.name(), new NDArray[] {a, b});
        }
    }

    /**
     * Adds an adapter to {@code model} and freezes its base.
     *
     * @throws IllegalArgumentException when a target or module to save matches nothing (the message
     *     lists the model's modules), or the model already has LoRA parameters
     * @throws UnsupportedOperationException when the model has no linear modules to adapt
     */
    public static LoraAdapter attach(Model model, LoraConfig config) {
        List<LinearModule> available = model.linearModules();
        if (available.isEmpty()) {
            throw new UnsupportedOperationException("model '" + model.architecture()
                    + "' has no linear modules LoRA can adapt");
        }
        if (model.parameters().names().stream().anyMatch(LoraAdapter::isLoraName)) {
            throw new IllegalArgumentException("model already has LoRA parameters; attach one adapter per model"
                    + " and swap others in with load()");
        }
        List<LinearModule> targets = TargetMatcher.linear(available, config);
        Set<String> saved = modulesToSave(model.parameters(), config);
        LoraAdapter adapter = new LoraAdapter(model, config, targets);
        adapter.freezeBase(saved);
        model.setLinearHook(adapter);
        return adapter;
    }

    /** Whether a parameter name is one LoRA registers. */
    public static boolean isLoraName(String name) {
        return name.endsWith(LORA_A) || name.endsWith(LORA_B);
    }

    /** The current settings. */
    public LoraConfig config() {
        return config;
    }

    /** The adapted modules, in the model's order. */
    public List<LinearModule> modules() {
        return modules;
    }

    /** Whether the adapter is folded into the base weights. */
    public boolean merged() {
        return merged;
    }

    /**
     * Every tensor an adapter file holds, under the model's parameter names: the LoRA pairs and the
     * base parameters that train (biases or modules to save).
     */
    public Map<String, NDArray> tensors() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        Parameters parameters = model.parameters();
        for (String name : parameters.trainableNames()) {
            out.put(name, parameters.get(name));
        }
        return out;
    }

    /** The one line a run prints at its start, e.g. {@code LoRA r=8 on 8 modules: 24,576 of ... (2.85%)}. */
    public String summary() {
        Parameters p = model.parameters();
        return String.format(Locale.ROOT, "LoRA r=%d on %d modules: %,d of %,d parameters train (%.2f%%)",
                config.r(), modules.size(), p.trainableCount(), p.count(), 100.0 * p.trainableCount() / p.count());
    }

    @Override
    public NDArray apply(String module, NDArray input, NDArray output, boolean training) {
        NDArray[] pair = byModule.get(module);
        if (pair == null || merged) {
            return output;
        }
        NDArray x = input;
        if (training && config.dropout() > 0) {
            x = x.getNDArrayInternal().dropout(x, (float) config.dropout(), true).singletonOrThrow();
        }
        // linear() computes x A^T without materialising the transpose, in the input's manager.
        NDArray down = x.getNDArrayInternal().linear(x, pair[0], null).singletonOrThrow();
        // The scale goes onto B ([out, r], small) rather than onto the [batch, time, out] product, and
        // the base output rides in as linear()'s bias: one matmul-and-add instead of three full-size
        // passes, forward and backward. Scalars.of, not mul(Number): see Scalars.
        NDArray scaledB = pair[1].mul(Scalars.of(down, config.scale()));
        return down.getNDArrayInternal().linear(down, scaledB, output).singletonOrThrow();
    }

    /** Folds {@code (alpha/r) B A} into every adapted weight; the hook then adds nothing. */
    public void merge() {
        if (merged) {
            throw new IllegalStateException("the adapter is merged already; unmerge() first");
        }
        addDeltas(1);
        merged = true;
    }

    /** Takes {@code (alpha/r) B A} back out of every adapted weight. */
    public void unmerge() {
        if (!merged) {
            throw new IllegalStateException("the adapter is not merged; merge() first");
        }
        addDeltas(-1);
        merged = false;
    }

    /**
     * Swaps in another adapter's values without touching the frozen base: {@code tensors} (model
     * names, as {@link #tensors()} gives them) must hold a pair for exactly this adapter's modules with
     * rank {@code r}; trained base parameters it lacks go back to their values at attach time.
     *
     * @throws IllegalArgumentException when the tensors do not fit, naming what differs
     */
    public void load(LoraConfig newConfig, Map<String, NDArray> tensors) {
        if (merged) {
            throw new IllegalStateException("unmerge() before loading another adapter");
        }
        Parameters parameters = model.parameters();
        Set<String> expected = new LinkedHashSet<>();
        modules.forEach(m -> {
            expected.add(m.name() + LORA_A);
            expected.add(m.name() + LORA_B);
        });
        List<String> problems = new ArrayList<>();
        if (newConfig.r() != config.r()) {
            problems.add("rank " + newConfig.r() + " where this adapter has " + config.r());
        }
        for (String name : expected) {
            if (!tensors.containsKey(name)) {
                problems.add(name + " is missing");
            }
        }
        for (Map.Entry<String, NDArray> entry : tensors.entrySet()) {
            String name = entry.getKey();
            if (!parameters.contains(name) || !parameters.isTrainable(name)) {
                problems.add(name + " is not a trainable parameter of this adapted model");
            } else if (!parameters.get(name).getShape().equals(entry.getValue().getShape())) {
                problems.add(name + " has shape " + entry.getValue().getShape() + ", expected "
                        + parameters.get(name).getShape());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the adapter does not fit this one (same base, targets and r"
                    + " are needed to swap): " + String.join("; ", problems));
        }
        withoutGrad(() -> {
            for (String name : parameters.trainableNames()) {
                NDArray source = tensors.containsKey(name) ? tensors.get(name) : originals.get(name);
                parameters.get(name).set(new NDIndex("..."), source.toType(DataType.FLOAT32, false));
            }
        });
        config = newConfig;
    }

    private void freezeBase(Set<String> savedModules) {
        Parameters parameters = model.parameters();
        Set<String> loraBiases = new LinkedHashSet<>();
        modules.stream().filter(LinearModule::hasBias).forEach(m -> loraBiases.add(m.biasName()));
        for (String name : parameters.names()) {
            boolean trains = isLoraName(name)
                    || (config.bias() == LoraConfig.Bias.ALL && name.endsWith(".bias"))
                    || (config.bias() == LoraConfig.Bias.LORA_ONLY && loraBiases.contains(name))
                    || savedModules.stream().anyMatch(m -> name.startsWith(m + "."));
            if (!trains) {
                parameters.freeze(name);
            } else if (!isLoraName(name)) {
                NDArray copy = parameters.get(name).duplicate();
                copy.setRequiresGradient(false);
                originals.put(name, copy);
            }
        }
    }

    /** Modules to save are matched against the modules that own parameters (a name minus its last part). */
    private static Set<String> modulesToSave(Parameters parameters, LoraConfig config) {
        if (config.modulesToSave().isEmpty()) {
            return Set.of();
        }
        Set<String> owners = new LinkedHashSet<>();
        for (String name : parameters.names()) {
            int dot = name.lastIndexOf('.');
            if (dot > 0) {
                owners.add(name.substring(0, dot));
            }
        }
        return TargetMatcher.byNames(owners, config.modulesToSave(), "spec.peft.modulesToSave", "modules");
    }

    private void addDeltas(int sign) {
        Parameters parameters = model.parameters();
        withoutGrad(() -> {
            for (LinearModule module : modules) {
                NDArray[] pair = byModule.get(module.name());
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray delta = LoraDelta.of(pair[0], pair[1], config.scale() * sign, module.fanInFanOut());
                    parameters.get(module.weightName()).addi(delta);
                }
            }
        });
    }

    private static void withoutGrad(Runnable body) {
        // in-place writes to parameters are refused while grad mode is on
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            body.run();
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }
}

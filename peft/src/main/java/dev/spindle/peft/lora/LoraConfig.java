package dev.spindle.peft.lora;

import dev.spindle.spec.PeftSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The settings of one LoRA adapter, as Hugging Face PEFT's {@code LoraConfig} names them: rank,
 * scaling, dropout, which linear modules get an adapter, which biases train and which modules are
 * trained in full and saved beside the adapter.
 *
 * <pre>{@code
 * LoraConfig config = LoraConfig.of(List.of("c_attn", "c_proj"), 8, 16);   // scale 2.0
 * LoraConfig fromSpec = LoraConfig.of(job.spec().peft());
 * }</pre>
 *
 * @param r the rank of {@code B A}
 * @param alpha the adapter's output is scaled by {@code alpha / r}
 * @param dropout dropout on the adapter's input while training, in [0, 1)
 * @param targetNames module names or name suffixes; empty when {@code targetPattern} is used
 * @param targetPattern a regular expression the whole module name must match, or {@code null}
 * @param bias {@code none}, {@code lora_only} or {@code all}
 * @param modulesToSave modules trained in full and saved with the adapter (same matching as names)
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetNames, String targetPattern,
                         Bias bias, List<String> modulesToSave) {

    /** Which biases train besides the adapter, as PEFT's {@code bias} setting. */
    public enum Bias {
        NONE, LORA_ONLY, ALL;

        /** The name PEFT writes ({@code none}, {@code lora_only}, {@code all}). */
        public String peftName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses PEFT's name. */
        public static Bias of(String name) {
            for (Bias b : values()) {
                if (b.peftName().equals(name)) {
                    return b;
                }
            }
            throw new IllegalArgumentException("LoRA bias: got '" + name + "', expected none, lora_only or all");
        }
    }

    public LoraConfig {
        if (r < 1) {
            throw new IllegalArgumentException("LoRA r: got " + r + ", expected a rank >= 1");
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("LoRA alpha: got " + alpha + ", expected a number > 0");
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("LoRA dropout: got " + dropout + ", expected a number in [0, 1)");
        }
        targetNames = targetNames == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(targetNames));
        modulesToSave = modulesToSave == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(modulesToSave));
        if (targetNames.isEmpty() == (targetPattern == null)) {
            throw new IllegalArgumentException("LoRA targets: got names " + targetNames + " and pattern "
                    + targetPattern + ", expected either a non-empty list of names or one pattern");
        }
        if (targetPattern != null) {
            try {
                Pattern.compile(targetPattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("LoRA target pattern '" + targetPattern
                        + "' is not a valid regular expression: " + e.getDescription(), e);
            }
        }
        if (bias == null) {
            bias = Bias.NONE;
        }
    }

    /** LoRA on the named modules with no dropout, no bias and nothing else saved. */
    public static LoraConfig of(List<String> targets, int r, double alpha) {
        return new LoraConfig(r, alpha, 0.0, targets, null, Bias.NONE, List.of());
    }

    /** The settings a job spec's {@code spec.peft} asks for. */
    public static LoraConfig of(PeftSpec peft) {
        if (!PeftSpec.LORA.equalsIgnoreCase(peft.method())) {
            throw new IllegalArgumentException("spec.peft.method: got '" + peft.method() + "', expected lora");
        }
        return new LoraConfig(peft.r(), peft.alpha(), peft.dropout(), peft.targetNames(), peft.targetPattern(),
                Bias.of(peft.bias()), peft.modulesToSave());
    }

    /** {@code alpha / r}, the factor on the adapter's output. */
    public double scale() {
        return alpha / r;
    }
}

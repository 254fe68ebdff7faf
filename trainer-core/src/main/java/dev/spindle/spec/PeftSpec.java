package dev.spindle.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Parameter-efficient fine-tuning: train a small adapter on a frozen base instead of every weight.
 * Field names and meanings follow Hugging Face PEFT's {@code LoraConfig}.
 *
 * <pre>{@code
 * PeftSpec lora = PeftSpec.lora(8, 16, List.of("c_attn", "c_proj"));
 * }</pre>
 *
 * @param method the method; {@code lora} is the only one
 * @param r the adapter's rank
 * @param alpha scaling numerator: the adapter's output is multiplied by {@code alpha / r}
 * @param dropout dropout on the adapter's input while training, in [0, 1)
 * @param targetModules which linear modules get an adapter: a list of names (a module matches an
 *     entry when its name equals it or ends with "." + entry) or one string, a regular expression
 *     the whole module name must match
 * @param bias which biases train too: {@code none}, {@code lora_only} (those of adapted modules) or
 *     {@code all}
 * @param modulesToSave modules (same matching as names) trained in full and saved with the adapter
 * @param parent an adapter directory to start from ("fine-tune again from v1"), or {@code null}
 * @param base a run directory or checkpoint directory to take the base weights from, or
 *     {@code null} to use {@code spec.model.init.from}
 */
public record PeftSpec(String method, int r, double alpha, double dropout, JsonNode targetModules, String bias,
                       List<String> modulesToSave, String parent, String base) {

    public static final String LORA = "lora";
    public static final List<String> METHODS = List.of(LORA);
    public static final int DEFAULT_R = 8;
    /** PEFT's default {@code lora_alpha}. */
    public static final double DEFAULT_ALPHA = 8;
    public static final double DEFAULT_DROPOUT = 0.0;
    public static final String BIAS_NONE = "none";
    public static final List<String> BIAS_MODES = List.of(BIAS_NONE, "lora_only", "all");

    static final String PATH = "spec.peft";

    public PeftSpec {
        bias = bias == null ? BIAS_NONE : bias;
        modulesToSave = modulesToSave == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(modulesToSave));
        targetModules = targetModules == null ? null : targetModules.deepCopy();
        Checks c = new Checks(PATH);
        c.oneOf("method", method == null ? null : method.toLowerCase(Locale.ROOT), METHODS);
        c.atLeast("r", r, 1);
        c.positive("alpha", alpha);
        c.fraction("dropout", dropout, false);
        checkTargets(c, targetModules);
        c.oneOf("bias", bias, BIAS_MODES);
        c.names("modulesToSave", modulesToSave, 0, "module name");
        c.optionalNonBlank("parent", parent, "the directory of an adapter to start from");
        c.optionalNonBlank("base", base, "a run directory or checkpoint directory holding the base weights");
        c.throwIfAny();
    }

    /** LoRA on {@code targets} (names), no dropout, no bias, nothing else saved. */
    public static PeftSpec lora(int r, double alpha, List<String> targets) {
        var list = JsonNodeFactory.instance.arrayNode();
        targets.forEach(list::add);
        return new PeftSpec(LORA, r, alpha, DEFAULT_DROPOUT, list, BIAS_NONE, List.of(), null, null);
    }

    /** The same settings with another parent adapter. */
    public PeftSpec withParent(String newParent) {
        return new PeftSpec(method, r, alpha, dropout, targetModules, bias, modulesToSave, newParent, base);
    }

    /** The target names when {@code targetModules} is a list, else empty. */
    public List<String> targetNames() {
        List<String> names = new ArrayList<>();
        if (targetModules.isArray()) {
            targetModules.forEach(n -> names.add(n.textValue()));
        }
        return names;
    }

    /** The whole-name regular expression when {@code targetModules} is one string, else {@code null}. */
    public String targetPattern() {
        return targetModules.isTextual() ? targetModules.textValue() : null;
    }

    /** A fresh copy on every call because JSON trees are mutable. */
    @Override
    public JsonNode targetModules() {
        return targetModules.deepCopy();
    }

    private static void checkTargets(Checks c, JsonNode targets) {
        String expected = "a list of module names, e.g. [c_attn, c_proj], or one regular expression string";
        if (targets == null || targets.isNull() || targets.isMissingNode()) {
            c.missing("targetModules", expected);
        } else if (targets.isTextual()) {
            try {
                Pattern.compile(targets.textValue());
            } catch (PatternSyntaxException e) {
                c.fail("targetModules", targets.textValue(), "a valid regular expression (" + e.getDescription()
                        + " at index " + e.getIndex() + ")");
            }
        } else if (targets.isArray()) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                if (!targets.get(i).isTextual()) {
                    c.fail("targetModules[" + i + "]", targets.get(i), "a module name string");
                } else {
                    names.add(targets.get(i).textValue());
                }
            }
            c.names("targetModules", names, 1, "module name");
        } else {
            c.fail("targetModules", targets, expected);
        }
    }
}

package dev.spindle.peft.lora;

import dev.spindle.model.LinearModule;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Picks modules by name the way Hugging Face PEFT does: a module matches a name entry when its name
 * equals the entry or ends with {@code "." + entry}; a single string is a regular expression the whole
 * module name must match. An entry that matches nothing is an error that lists the names there are.
 *
 * <pre>{@code
 * List<LinearModule> targets = TargetMatcher.linear(model.linearModules(), config);
 * boolean hit = TargetMatcher.matches("transformer.h.0.mlp.c_fc", "mlp.c_fc");   // true
 * }</pre>
 */
public final class TargetMatcher {

    private TargetMatcher() {}

    /** Whether {@code module} is {@code entry} or ends with {@code "." + entry}. */
    public static boolean matches(String module, String entry) {
        return module.equals(entry) || module.endsWith("." + entry);
    }

    /**
     * The linear modules {@code config} targets, in the model's order.
     *
     * @throws IllegalArgumentException when a name entry matches no module, or the pattern matches
     *     none; the message lists the model's linear modules
     */
    public static List<LinearModule> linear(List<LinearModule> modules, LoraConfig config) {
        List<String> names = modules.stream().map(LinearModule::name).toList();
        Set<String> chosen = config.targetPattern() != null
                ? byPattern(names, config.targetPattern(), "spec.peft.targetModules")
                : byNames(names, config.targetNames(), "spec.peft.targetModules", "linear modules");
        return modules.stream().filter(m -> chosen.contains(m.name())).toList();
    }

    /**
     * The modules among {@code candidates} that the name entries pick, in the candidates' order.
     *
     * @param field the spec field the entries come from, for the message
     * @param what what the candidates are, for the message (e.g. "modules")
     */
    public static Set<String> byNames(Collection<String> candidates, List<String> entries, String field, String what) {
        Set<String> chosen = new LinkedHashSet<>();
        List<String> unknown = new ArrayList<>();
        for (String entry : entries) {
            boolean hit = false;
            for (String candidate : candidates) {
                if (matches(candidate, entry)) {
                    chosen.add(candidate);
                    hit = true;
                }
            }
            if (!hit) {
                unknown.add(entry);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(field + ": " + unknown + " match no module of the model; a name"
                    + " matches a module that equals it or ends with '.' + name. The model's " + what
                    + " are " + candidates);
        }
        List<String> ordered = new ArrayList<>(candidates);
        ordered.retainAll(chosen);
        return new LinkedHashSet<>(ordered);
    }

    private static Set<String> byPattern(List<String> names, String pattern, String field) {
        Pattern compiled = Pattern.compile(pattern);
        Set<String> chosen = new LinkedHashSet<>();
        for (String name : names) {
            if (compiled.matcher(name).matches()) {
                chosen.add(name);
            }
        }
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException(field + ": the pattern '" + pattern + "' matches no linear module"
                    + " (it must match the whole name); the model's linear modules are " + names);
        }
        return chosen;
    }
}

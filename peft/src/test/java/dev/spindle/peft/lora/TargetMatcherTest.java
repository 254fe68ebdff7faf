package dev.spindle.peft.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.model.LinearModule;
import java.util.List;
import org.junit.jupiter.api.Test;

class TargetMatcherTest {

    private static final List<LinearModule> GPT = List.of(
            module("transformer.h.0.attn.c_attn"), module("transformer.h.0.attn.c_proj"),
            module("transformer.h.0.mlp.c_fc"), module("transformer.h.0.mlp.c_proj"),
            module("transformer.h.1.attn.c_attn"), module("transformer.h.1.attn.c_proj"),
            module("transformer.h.1.mlp.c_fc"), module("transformer.h.1.mlp.c_proj"));

    private static LinearModule module(String name) {
        return new LinearModule(name, 4, 4, true, true);
    }

    private static List<String> pick(LoraConfig config) {
        return TargetMatcher.linear(GPT, config).stream().map(LinearModule::name).toList();
    }

    @Test
    void aNameMatchesItselfOrADotSuffixOnly() {
        assertTrue(TargetMatcher.matches("transformer.h.0.attn.c_attn", "c_attn"));
        assertTrue(TargetMatcher.matches("transformer.h.0.attn.c_attn", "transformer.h.0.attn.c_attn"));
        assertFalse(TargetMatcher.matches("transformer.h.0.attn.c_attn", "attn"));
        assertFalse(TargetMatcher.matches("transformer.h.0.attn.xc_attn", "c_attn"));
    }

    @Test
    void shortNamesPickEveryBlocksModule() {
        assertEquals(List.of("transformer.h.0.attn.c_attn", "transformer.h.1.attn.c_attn"),
                pick(LoraConfig.of(List.of("c_attn"), 4, 8)));
        // c_proj is in attention and MLP; mlp.c_fc only in the MLP
        assertEquals(List.of("transformer.h.0.attn.c_proj", "transformer.h.0.mlp.c_fc", "transformer.h.0.mlp.c_proj",
                        "transformer.h.1.attn.c_proj", "transformer.h.1.mlp.c_fc", "transformer.h.1.mlp.c_proj"),
                pick(LoraConfig.of(List.of("mlp.c_fc", "c_proj"), 4, 8)));
    }

    @Test
    void aSingleStringIsAWholeNameRegex() {
        LoraConfig regex = new LoraConfig(4, 8, 0, List.of(), ".*\\.1\\.attn\\.c_(attn|proj)", LoraConfig.Bias.NONE,
                List.of());
        assertEquals(List.of("transformer.h.1.attn.c_attn", "transformer.h.1.attn.c_proj"), pick(regex));
    }

    @Test
    void anUnknownNameIsAnErrorListingTheModules() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pick(LoraConfig.of(List.of("c_attn", "q_proj"), 4, 8)));
        assertTrue(e.getMessage().startsWith("spec.peft.targetModules: [q_proj] match no module"), e.getMessage());
        assertTrue(e.getMessage().contains("transformer.h.1.mlp.c_proj"), e.getMessage());
    }

    @Test
    void aPatternMatchingNothingIsAnErrorListingTheModules() {
        LoraConfig regex = new LoraConfig(4, 8, 0, List.of(), "c_attn", LoraConfig.Bias.NONE, List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pick(regex));
        assertTrue(e.getMessage().contains("the pattern 'c_attn' matches no linear module"), e.getMessage());
        assertTrue(e.getMessage().contains("transformer.h.0.attn.c_attn"), e.getMessage());
    }
}

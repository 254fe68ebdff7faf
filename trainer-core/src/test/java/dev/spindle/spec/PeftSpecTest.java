package dev.spindle.spec;

import static dev.spindle.spec.Specs.rule;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code spec.peft} and {@code spec.output}: reading, defaults, each rule alone, and the YAML round trip. */
class PeftSpecTest {

    static final String LORA = Specs.FULL + """
              peft:
                method: lora
                r: 16
                alpha: 32
                dropout: 0.05
                targetModules: [c_attn, mlp.c_fc]
                bias: lora_only
                modulesToSave: [lm_head]
                parent: runs/v1/adapter
              output:
                adapter:
                  image: oci-layout:adapters:v2
            """;

    @Test
    void readsEveryPeftField() {
        Spec s = SpecReader.read(LORA, List.of()).spec();
        PeftSpec p = s.peft();
        assertEquals("lora", p.method());
        assertEquals(16, p.r());
        assertEquals(32.0, p.alpha());
        assertEquals(0.05, p.dropout());
        assertEquals(List.of("c_attn", "mlp.c_fc"), p.targetNames());
        assertNull(p.targetPattern());
        assertEquals("lora_only", p.bias());
        assertEquals(List.of("lm_head"), p.modulesToSave());
        assertEquals("runs/v1/adapter", p.parent());
        assertEquals("oci-layout:adapters:v2", s.output().adapter().image());
    }

    @Test
    void fillsDefaultsAndTakesOneStringAsARegex() {
        PeftSpec p = SpecReader.read(Specs.FULL + """
                  peft:
                    method: lora
                    targetModules: '.*\\.attn\\.c_attn'
                """, List.of()).spec().peft();
        assertEquals(PeftSpec.DEFAULT_R, p.r());
        assertEquals(PeftSpec.DEFAULT_ALPHA, p.alpha());
        assertEquals("none", p.bias());
        assertEquals(List.of(), p.modulesToSave());
        assertEquals(".*\\.attn\\.c_attn", p.targetPattern());
        assertEquals(List.of(), p.targetNames());
    }

    @Test
    void aSpecWithoutPeftHasTheDigestItHadBefore() {
        JobSpec job = SpecReader.read(Specs.FULL, List.of());
        assertNull(job.spec().peft());
        assertEquals(SpecWriter.digest(job), SpecWriter.digest(job.withSpec(new Spec(job.spec().model(),
                job.spec().data(), job.spec().optimizer(), job.spec().training(), job.spec().checkpoint()))));
        JobSpec lora = SpecReader.read(LORA, List.of());
        assertEquals(lora, SpecReader.read(SpecWriter.toYaml(lora), List.of()), "YAML round trip");
    }

    static Stream<Arguments> rules() {
        return Stream.of(
                rule("spec.peft.method: got 'qlora', expected one of [lora] (did you mean 'lora'?)",
                        "spec.peft.method=qlora"),
                rule("spec.peft.r: got 0, expected a whole number >= 1", "spec.peft.r=0"),
                rule("spec.peft.alpha: got -1.0, expected a number > 0", "spec.peft.alpha=-1"),
                rule("spec.peft.dropout: got 1.0, expected a number in [0, 1)", "spec.peft.dropout=1"),
                rule("spec.peft.targetModules: missing, expected a list of module names, e.g. [c_attn, c_proj], or"
                        + " one regular expression string", "spec.peft.targetModules="),
                rule("spec.peft.targetModules: got [], expected a list of at least 1 module name",
                        "spec.peft.targetModules=[]"),
                rule("spec.peft.targetModules[1]: got 'c_attn', expected each module name once; it is already listed",
                        "spec.peft.targetModules=[c_attn, c_attn]"),
                rule("spec.peft.targetModules: got '(c_attn', expected a valid regular expression (Unclosed group"
                        + " at index 7)", "spec.peft.targetModules='(c_attn'"),
                rule("spec.peft.bias: got 'some', expected one of [none, lora_only, all]", "spec.peft.bias=some"),
                rule("spec.peft.parent: got ' ', expected the directory of an adapter to start from",
                        "spec.peft.parent=' '"),
                rule("spec.peft.base: got 'runs/base', expected no base while spec.model.init.from is set (take the"
                        + " base weights from one place)", "spec.peft.base=runs/base"),
                rule("spec.peft.base: missing, expected the base to fine-tune: a run or checkpoint directory (or set"
                        + " spec.model.init.from to a safetensors file)", "spec.model.init="),
                rule("spec.output.adapter.image: got 'not a ref', expected an OCI reference such as"
                        + " registry.example.com/adapters/gpt:v1 or oci-layout:<dir>:<tag>",
                        "spec.output.adapter.image=not a ref"),
                rule("spec.output.adapter.image: got 'oci-layout:adapters', expected an OCI reference such as"
                        + " registry.example.com/adapters/gpt:v1 or oci-layout:<dir>:<tag>",
                        "spec.output.adapter.image=oci-layout:adapters"),
                rule("spec.peft: missing, expected a peft section while spec.output.adapter.image is set (only a"
                        + " fine-tuning run makes an adapter)", "spec.peft="));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void brokenRuleIsTheOnlyProblem(String expected, List<String> overrides) {
        assertEquals(List.of(expected), Specs.problemLines(LORA, overrides));
    }

    @Test
    void registryReferencesAreAccepted() {
        for (String ref : List.of("registry.example.com/adapters/gpt:v1", "localhost:5000/a/b:v1-2",
                "oci-layout:/tmp/layout:v1")) {
            assertEquals(ref, new AdapterOutputSpec(ref).image());
        }
    }
}

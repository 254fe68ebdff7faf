package dev.spindle.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every validation rule of the job spec, each broken alone on the valid {@link Specs#FULL}: exactly one
 * problem, naming the path, the value and what was expected.
 */
class SpecRulesTest {

    private static final String TABULAR = "spec.data.schema=tabular";
    private static final String NO_TOKENS = "spec.data.tokens=";

    static Stream<Arguments> rules() {
        return Stream.of(
                rule("apiVersion: got 'spindle.dev/v2', expected 'spindle.dev/v1' (the only version this Spindle reads)",
                        "apiVersion=spindle.dev/v2"),
                rule("kind: got 'Job', expected 'TrainingJob'", "kind=Job"),
                rule("metadata.name: got 'Tiny_GPT', expected " + dns(), "metadata.name=Tiny_GPT"),
                rule("metadata.name: got '-gpt', expected " + dns(), "metadata.name=-gpt"),
                rule("metadata.name: got '" + "a".repeat(64) + "', expected " + dns() + " (this has 64)",
                        "metadata.name=" + "a".repeat(64)),
                rule("metadata.labels.team: got 'two words', expected a Kubernetes label value: up to 63 letters,"
                        + " digits, '-', '_' or '.', starting and ending with a letter or digit",
                        "metadata.labels.team=two words"),
                rule("metadata.labels: got 'bad key!', expected label keys as Kubernetes takes them: an optional"
                        + " DNS-subdomain prefix and '/', then up to 63 letters, digits, '-', '_' or '.', starting and"
                        + " ending with a letter or digit", "metadata.labels={'bad key!': x}"),
                rule("spec.model.architecture: got '', expected a model architecture registry name, e.g. gpt or mlp",
                        "spec.model.architecture=''"),
                rule("spec.model.architecture: missing, expected a model architecture registry name, e.g. gpt or mlp",
                        "spec.model.architecture="),
                rule("spec.model.config: got [1,2], expected an object of the architecture's settings, e.g. {layers: 2}",
                        "spec.model.config=[1, 2]"),
                rule("spec.model.init.from: missing, expected the URI or path of a safetensors file",
                        "spec.model.init.from="),
                rule("spec.data.uri: missing, expected the URI or path of the training data (a file, a directory or a"
                        + " glob)", "spec.data.uri="),
                rule("spec.data.evalUri: got ' ', expected the URI or path of the evaluation data, or no evalUri at all",
                        "spec.data.evalUri=' '"),
                rule("spec.data.format: got 'csv', expected one of [arrow, parquet]", "spec.data.format=csv"),
                rule("spec.data.schema: got 'token', expected one of [tokens, tabular] (did you mean 'tokens'?)",
                        "spec.data.schema=token"),
                rule("spec.data.schema: missing, expected one of [tokens, tabular]", "spec.data.schema="),
                rule("spec.data.tokens: got a tokens section, expected no tokens section while schema is 'tabular'"
                        + " (set schema: tokens or remove the section)", TABULAR),
                rule("spec.data.tabular: got a tabular section, expected no tabular section while schema is 'tokens'"
                        + " (set schema: tabular or remove the section)", "spec.data.tabular.label=y"),
                rule("spec.data.shuffleBuffer: got -1, expected a whole number >= 0", "spec.data.shuffleBuffer=-1"),
                rule("spec.data.prefetch: got 0, expected a whole number >= 1", "spec.data.prefetch=0"),
                rule("spec.data.tokens.column: got '', expected the name of the column of token ids",
                        "spec.data.tokens.column=''"),
                rule("spec.data.tokens.sequenceLength: got -1, expected a whole number >= 0",
                        "spec.data.tokens.sequenceLength=-1"),
                rule("spec.data.tabular.features[2]: got 'a', expected each column name once; it is already listed",
                        TABULAR, NO_TOKENS, "spec.data.tabular.features=[a, b, a]"),
                rule("spec.data.tabular.features[1]: got '', expected a non-empty column name",
                        TABULAR, NO_TOKENS, "spec.data.tabular.features=[a, '']"),
                rule("spec.data.tabular.features[1]: got 'y', expected feature columns other than the label column 'y'",
                        TABULAR, NO_TOKENS, "spec.data.tabular.features=[a, y]", "spec.data.tabular.label=y"),
                rule("spec.data.tabular.label: got '', expected the name of the label column",
                        TABULAR, NO_TOKENS, "spec.data.tabular.label=''"),
                rule("spec.data.prepare.from: got [], expected a list of at least 1 text file or glob",
                        "spec.data.prepare.from=[]"),
                rule("spec.data.prepare.evalFraction: got 1.0, expected a number in [0, 1)",
                        "spec.data.prepare.evalFraction=1"),
                rule("spec.optimizer.name: got 'adam', expected one of [adamw, sgd] (did you mean 'adamw'?)",
                        "spec.optimizer.name=adam", "spec.optimizer.nesterov=false"),
                rule("spec.optimizer.name: missing, expected one of [adamw, sgd]",
                        "spec.optimizer.name=", "spec.optimizer.nesterov=false"),
                rule("spec.optimizer.lr: got 0.0, expected a number > 0", "spec.optimizer.lr=0"),
                rule("spec.optimizer.weightDecay: got -0.01, expected a number >= 0", "spec.optimizer.weightDecay=-0.01"),
                rule("spec.optimizer.beta1: got 1.0, expected a number in [0, 1)", "spec.optimizer.beta1=1"),
                rule("spec.optimizer.beta2: got -0.1, expected a number in [0, 1)", "spec.optimizer.beta2=-0.1"),
                rule("spec.optimizer.eps: got 0.0, expected a number > 0", "spec.optimizer.eps=0"),
                rule("spec.optimizer.momentum: got 1.0, expected a number in [0, 1)", "spec.optimizer.momentum=1"),
                rule("spec.optimizer.nesterov: got true, expected false unless name is sgd and momentum > 0 (Nesterov"
                        + " needs momentum)", "spec.optimizer.momentum=0"),
                rule("spec.optimizer.schedule.name: got 'cosin', expected one of [constant, cosine, linear] (did you"
                        + " mean 'cosine'?)", "spec.optimizer.schedule.name=cosin"),
                rule("spec.optimizer.schedule.warmupSteps: got -1, expected a whole number >= 0",
                        "spec.optimizer.schedule.warmupSteps=-1"),
                rule("spec.optimizer.schedule.warmupSteps: got 100, expected a whole number < spec.training.steps (100)",
                        "spec.optimizer.schedule.warmupSteps=100"),
                rule("spec.optimizer.schedule.minLrRatio: got 1.5, expected a number in [0, 1]",
                        "spec.optimizer.schedule.minLrRatio=1.5"),
                rule("spec.training.steps: got 0, expected a whole number >= 1", "spec.training.steps=0",
                        "spec.optimizer.schedule.warmupSteps=0"),
                rule("spec.training.steps: missing, expected a whole number", "spec.training.steps="),
                rule("spec.training.batchSize: got 0, expected a whole number >= 1", "spec.training.batchSize=0"),
                rule("spec.training.gradientAccumulation: got 0, expected a whole number >= 1",
                        "spec.training.gradientAccumulation=0"),
                rule("spec.training.gradientClipping: got -1.0, expected a number >= 0",
                        "spec.training.gradientClipping=-1"),
                rule("spec.training.evalInterval: got -1, expected a whole number >= 0", "spec.training.evalInterval=-1"),
                rule("spec.training.evalInterval: got 20, expected 0 while spec.data.evalUri is not set (set evalUri to"
                        + " evaluate)", "spec.data.evalUri="),
                rule("spec.training.evalBatches: got 0, expected a whole number >= 1", "spec.training.evalBatches=0"),
                rule("spec.training.logInterval: got 0, expected a whole number >= 1", "spec.training.logInterval=0"),
                rule("spec.training.threads: got -1, expected a whole number >= 0", "spec.training.threads=-1"),
                rule("spec.checkpoint.uri: got '', expected a URI or path for checkpoints, or no uri for"
                        + " <runDir>/checkpoints", "spec.checkpoint.uri=''"),
                rule("spec.checkpoint.everySteps: got -1, expected a whole number >= 0", "spec.checkpoint.everySteps=-1"),
                rule("spec.checkpoint.keep: got 0, expected a whole number >= 1", "spec.checkpoint.keep=0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void brokenRuleIsTheOnlyProblem(String expected, List<String> overrides) {
        List<String> problems = Specs.problems(Specs.FULL, overrides.toArray(String[]::new)).stream()
                .map(Problem::toString).toList();

        assertEquals(List.of(expected), problems);
    }

    private static Arguments rule(String expected, String... overrides) {
        return Arguments.of(expected, List.of(overrides));
    }

    private static String dns() {
        return "a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit,"
                + " at most 63 characters";
    }
}

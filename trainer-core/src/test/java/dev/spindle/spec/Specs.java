package dev.spindle.spec;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.params.provider.Arguments;

/** Spec texts shared by the tests of this package. */
final class Specs {

    /** Every field written out, none at its default. */
    static final String FULL = """
            apiVersion: spindle.dev/v1
            kind: TrainingJob
            metadata:
              name: tiny-gpt
              labels:
                team: nlp
                app.kubernetes.io/part-of: spindle
            spec:
              model:
                architecture: gpt
                config:
                  layers: 2
                  hiddenSize: 64
                init:
                  from: file:/models/base.safetensors
              data:
                uri: file:/data/train/*.arrow
                evalUri: file:/data/eval
                format: arrow
                schema: tokens
                tokens:
                  column: ids
                  sequenceLength: 64
                shuffleBuffer: 256
                prepare:
                  from: [corpus/a.txt, "corpus/b*.txt"]
                  evalFraction: 0.1
                prefetch: 2
              optimizer:
                name: sgd
                lr: 0.1
                weightDecay: 1e-4
                beta1: 0.8
                beta2: 0.99
                eps: 1.0e-6
                momentum: 0.9
                nesterov: true
                schedule:
                  name: cosine
                  warmupSteps: 10
                  minLrRatio: 0.1
              training:
                steps: 100
                seed: 7
                batchSize: 16
                gradientAccumulation: 2
                gradientClipping: 1.0
                evalInterval: 20
                evalBatches: 4
                logInterval: 5
                threads: 2
              checkpoint:
                uri: file:/runs/tiny-gpt/ckpt
                everySteps: 50
                keep: 2
            """;

    /** Only the required fields. */
    static final String MINIMAL = """
            apiVersion: spindle.dev/v1
            kind: TrainingJob
            metadata:
              name: minimal
            spec:
              model:
                architecture: mlp
              data:
                uri: data/train.arrow
                schema: tabular
              optimizer:
                name: adamw
              training:
                steps: 30
                batchSize: 8
            """;

    private Specs() {
    }

    /** A case of a "broken rule" table: the one problem line expected, and the overrides that break it. */
    static Arguments rule(String expected, String... overrides) {
        return Arguments.of(expected, List.of(overrides));
    }

    /** The problem lines of reading {@code yaml} with {@code overrides}, which must fail. */
    static List<String> problemLines(String yaml, List<String> overrides) {
        return problems(yaml, overrides.toArray(String[]::new)).stream().map(Problem::toString).toList();
    }

    /** The problems of reading {@code yaml} with {@code overrides}, which must fail. */
    static List<Problem> problems(String yaml, String... overrides) {
        return assertThrows(SpecException.class, () -> SpecReader.read(yaml, List.of(overrides))).problems();
    }
}

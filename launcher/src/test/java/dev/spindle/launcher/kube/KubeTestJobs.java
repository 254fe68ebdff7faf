package dev.spindle.launcher.kube;

import dev.spindle.spec.JobSpec;
import dev.spindle.spec.SpecReader;
import dev.spindle.spec.SpecWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Job specs for the Kubernetes tests: a tiny GPT job with storage in ABFS and a digest-pinned image. */
final class KubeTestJobs {

    /** A digest-pinned image that need not exist: nothing pulls it (there is no kubelet). */
    static final String IMAGE = "registry.example/spindle-trainer@sha256:" + "ab".repeat(32);

    private KubeTestJobs() {}

    /** A job named {@code name} with {@code workers} data-parallel workers and {@code overrides} applied. */
    /** {@link #job} written to {@code dir/NAME.yaml}. */
    static Path jobFile(Path dir, String name, int workers, String... overrides) throws IOException {
        return Files.writeString(dir.resolve(name + ".yaml"), SpecWriter.toYaml(job(name, workers, overrides)),
                StandardCharsets.UTF_8);
    }

    static JobSpec job(String name, int workers, String... overrides) {
        String yaml = """
                apiVersion: spindle.dev/v1
                kind: TrainingJob
                metadata:
                  name: %s
                spec:
                  model:
                    architecture: gpt
                    config: {vocabSize: 257, contextLength: 16, layers: 2, heads: 2, hiddenSize: 32, tiedHead: true}
                  data:
                    uri: abfss://datasets@acct.dfs.core.windows.net/tiny/train
                    evalUri: abfss://datasets@acct.dfs.core.windows.net/tiny/eval
                    schema: tokens
                    tokens: {column: tokens, sequenceLength: 16}
                  optimizer: {name: adamw, lr: 0.003}
                  training: {steps: 40, batchSize: 8, evalInterval: 20, evalBatches: 1, logInterval: 5}
                  checkpoint: {uri: abfss://checkpoints@acct.dfs.core.windows.net/%s, everySteps: 10, keep: 2}
                  parallelism: {data: %d}
                  elastic: {maxRestarts: 2}
                  kubernetes:
                    image: %s
                    workers: {gpus: 1, cpu: "2", memory: 4Gi}
                """.formatted(name, name, workers, IMAGE);
        return SpecReader.read(yaml, List.of(overrides));
    }
}

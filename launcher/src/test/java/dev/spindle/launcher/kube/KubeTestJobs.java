package dev.spindle.launcher.kube;

import dev.spindle.launcher.kube.render.JobNames;
import dev.spindle.spec.JobSpec;
import dev.spindle.spec.SpecReader;
import dev.spindle.spec.SpecWriter;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

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

    /**
     * Every object labelled as {@code job}'s, by "Kind name": the kinds a job has, and its pods.
     */
    static Map<String, HasMetadata> objects(KubernetesClient client, String namespace, String job) {
        Map<String, HasMetadata> all = new TreeMap<>();
        Stream.of(client.configMaps(), client.secrets(), client.serviceAccounts(), client.rbac().roles(),
                client.rbac().roleBindings(), client.services(), client.batch().v1().jobs(),
                client.network().v1().networkPolicies(), client.policy().v1beta1().podDisruptionBudget(), client.pods())
                .flatMap(kind -> kind.inNamespace(namespace).withLabel(JobNames.LABEL_JOB, job).list().getItems().stream())
                .forEach(o -> all.put(o.getKind() + " " + o.getMetadata().getName(), (HasMetadata) o));
        return all;
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

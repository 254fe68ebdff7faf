package dev.spindle.launcher;

import dev.spindle.data.prepare.TextDatasetPreparer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Small datasets and job files that tests make for themselves. */
public final class TestJobs {

    private TestJobs() {}

    /** Writes a few text documents and prepares them as a byte-token dataset in {@code dir/data}. */
    public static Path textDataset(Path dir) throws IOException {
        Path text = Files.createDirectories(dir.resolve("text"));
        for (int doc = 0; doc < 24; doc++) {
            StringBuilder body = new StringBuilder();
            for (int line = 0; line < 12; line++) {
                body.append("Document ").append(doc).append(" line ").append(line)
                        .append(": the quick brown fox jumps over the lazy dog ").append(doc * line).append('\n');
            }
            Files.writeString(text.resolve("doc-" + doc + ".txt"), body, StandardCharsets.UTF_8);
        }
        Path data = dir.resolve("data");
        TextDatasetPreparer.prepare(List.of(text.toString()), data, 0.2, 7);
        return data;
    }

    /** A tiny GPT job over {@code data/train} and {@code data/eval} relative to the job file. */
    public static Path tinyGptJob(Path dir, String extraTraining) throws IOException {
        String yaml = """
                apiVersion: spindle.dev/v1
                kind: TrainingJob
                metadata:
                  name: tiny
                spec:
                  model:
                    architecture: gpt
                    config: {vocabSize: 257, contextLength: 16, layers: 2, heads: 2, hiddenSize: 32, tiedHead: true}
                  data:
                    uri: data/train
                    evalUri: data/eval
                    schema: tokens
                    tokens: {column: tokens, sequenceLength: 16}
                    shuffleBuffer: 64
                    prefetch: 2
                  optimizer:
                    name: adamw
                    lr: 0.003
                    weightDecay: 0.01
                    schedule: {name: cosine, warmupSteps: 2, minLrRatio: 0.1}
                  training:
                    steps: 16
                    seed: 11
                    batchSize: 4
                    gradientClipping: 1.0
                    evalInterval: 8
                    evalBatches: 2
                    logInterval: 4
                %s
                  checkpoint:
                    everySteps: 4
                    keep: 3
                """.formatted(extraTraining.isEmpty() ? "" : "    " + extraTraining);
        Path job = dir.resolve("job.yaml");
        Files.writeString(job, yaml, StandardCharsets.UTF_8);
        return job;
    }
}

package dev.spindle.launcher.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.LoadedCheckpoint;
import dev.spindle.launcher.RunSummary;
import dev.spindle.launcher.Spindle;
import dev.spindle.launcher.TestJobs;
import dev.spindle.launcher.TrainOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gpt job on a tensor × pipeline (× data) mesh of worker processes over loopback learns what one
 * worker learns: the same loss at every step and, gathered from the sharded checkpoint, the same
 * parameters up to float rounding; and a worker killed in a T × P mesh is replaced, every rank restores
 * its shard of the last committed checkpoint, and the job finishes.
 *
 * <p>SGD with momentum keeps rounding as rounding (an AdamW update can turn a last-bit difference of a
 * near-zero gradient into a step of the learning rate; see DataParallelEquivalenceIT). Every run takes 4
 * micro-batches per step, clips the global gradient norm at 1 and evaluates at step 8, so the pipeline's
 * schedules, the mesh's clipping and the pipelined evaluation are all in the comparison.
 */
class ModelParallelIT {

    /** Largest parameter difference allowed after {@value #STEPS} steps. */
    static final double TOLERANCE = 1e-5;
    /** Largest relative difference of a step's loss. */
    static final double LOSS_TOLERANCE = 1e-5;
    static final long STEPS = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<ClusterRun> runs = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        runs.forEach(ClusterRun::destroy);
    }

    @Test
    void tensorPipelineAndDataByPipelineMeshesMatchOneWorker() throws Exception {
        Path job = gptJob();
        List<String> common = List.of("spec.optimizer.name=sgd", "spec.optimizer.lr=0.05", "spec.optimizer.momentum=0.9",
                "spec.training.steps=" + STEPS, "spec.training.gradientAccumulation=4");
        Run one = train(job, "one", common, List.of());
        Map<String, String[]> meshes = new java.util.LinkedHashMap<>();
        meshes.put("t2", new String[] {"spec.parallelism.tensor=2"});
        meshes.put("p2-gpipe", new String[] {"spec.parallelism.pipeline=2", "spec.parallelism.schedule=gpipe"});
        meshes.put("p2-1f1b", new String[] {"spec.parallelism.pipeline=2", "spec.parallelism.schedule=1f1b"});
        meshes.put("d2xp2", new String[] {"spec.parallelism.data=2", "spec.parallelism.pipeline=2"});
        for (Map.Entry<String, String[]> mesh : meshes.entrySet()) {
            Run other = train(job, mesh.getKey(), common, List.of(mesh.getValue()));
            String what = mesh.getKey() + " vs one worker";
            assertEquals(one.losses().keySet(), other.losses().keySet(), what + ": steps with a loss");
            for (long step : one.losses().keySet()) {
                double a = one.losses().get(step);
                double b = other.losses().get(step);
                assertEquals(a, b, LOSS_TOLERANCE * Math.max(1, Math.abs(a)), what + ": loss of step " + step);
            }
            assertEquals(one.parameters().keySet(), other.parameters().keySet(), what + ": parameter names");
            double worst = 0;
            for (String name : one.parameters().keySet()) {
                float[] x = one.parameters().get(name);
                float[] y = other.parameters().get(name);
                assertEquals(x.length, y.length, what + ": size of " + name);
                for (int i = 0; i < x.length; i++) {
                    worst = Math.max(worst, Math.abs(x[i] - y[i]));
                }
            }
            System.out.printf("max |parameter difference| after %d steps, %s: %.3g%n", STEPS, what, worst);
            assertTrue(worst <= TOLERANCE, what + ": parameters differ by up to " + worst + " (> " + TOLERANCE + ")");
        }
    }

    @Test
    void aCheckpointOfOneMeshResumesOnAnother() throws Exception {
        Path job = gptJob();
        List<String> common = List.of("spec.optimizer.name=sgd", "spec.optimizer.lr=0.05", "spec.optimizer.momentum=0.9",
                "spec.training.steps=" + STEPS, "spec.training.gradientAccumulation=4", "spec.checkpoint.everySteps=4");
        Run straight = train(job, "straight", common, List.of());
        // the first half on tensor 2, the second resharded onto pipeline 2 (momentum buffers included)
        List<String> tensor = new ArrayList<>(common);
        tensor.add("spec.parallelism.tensor=2");
        Spindle.train(Spindle.load(job, tensor), TrainOptions.in(dir.resolve("resharded")).withBaseDirectory(dir)
                .withSampleTokens(0).withStopAt(STEPS / 2));
        List<String> pipeline = new ArrayList<>(common);
        pipeline.add("spec.parallelism.pipeline=2");
        Run resumed = train(job, "resharded", pipeline, List.of(), true);
        double worst = 0;
        for (String name : straight.parameters().keySet()) {
            float[] x = straight.parameters().get(name);
            float[] y = resumed.parameters().get(name);
            for (int i = 0; i < x.length; i++) {
                worst = Math.max(worst, Math.abs(x[i] - y[i]));
            }
        }
        System.out.printf("max |parameter difference| after %d steps, tensor 2 then pipeline 2 vs one worker: %.3g%n",
                STEPS, worst);
        assertTrue(worst <= TOLERANCE, "parameters differ by up to " + worst + " (> " + TOLERANCE + ")");
    }

    @Test
    void aWorkerKilledInATensorByPipelineMeshIsReplacedAndTheJobFinishes() throws Exception {
        Path job = gptJob();
        ClusterRun run = new ClusterRun(dir, "mesh-recovery");
        runs.add(run);
        run.start(job, "--set", "spec.parallelism.tensor=2", "--set", "spec.parallelism.pipeline=2",
                "--set", "spec.training.gradientAccumulation=4", "--set", "spec.training.steps=16",
                "--set", "spec.checkpoint.everySteps=4");
        run.awaitEvent("checkpoint-committed", e -> true, 240);
        Map<String, Long> pids = run.workerPids();
        assertEquals(4, pids.size(), "pid files " + pids);
        ClusterRun.kill9(pids.values().iterator().next());

        assertEquals(0, run.await(400), run.output());
        CheckpointStore store = CheckpointStore.open(run.runDir.resolve("checkpoints"), 10);
        CheckpointInfo last = store.latest().orElseThrow();
        assertEquals(16, last.step(), "the final checkpoint is the last step");
        assertTrue(store.verify().stream().allMatch(r -> r.valid()), "every kept checkpoint verifies");
        JsonNode regrouped = run.awaitEvent("generation-started", e -> e.path("generation").asLong() >= 2, 1);
        assertEquals(4, regrouped.path("worldSize").asInt(), "a replacement restores the whole mesh: " + regrouped);
        assertTrue(run.events().stream().anyMatch(e -> e.path("event").asText().equals("job-finished")),
                "the events end with job-finished");
        // Every rank of every generation reports its memory once, at its place in the T=2 × P=2 mesh.
        List<JsonNode> memory = run.events().stream().filter(e -> e.path("event").asText().equals("rank-memory"))
                .toList();
        memory.forEach(e -> System.out.println("ModelParallelIT rank-memory: " + e));
        // The first generation and the one that finished (one in between may have ended before its first step).
        long finished = run.events().stream().filter(e -> e.path("event").asText().equals("generation-started"))
                .mapToLong(e -> e.path("generation").asLong()).max().orElseThrow();
        for (long g : new long[] {1, finished}) {
            List<JsonNode> ofGeneration = memory.stream().filter(e -> e.path("generation").asLong() == g).toList();
            assertEquals(List.of(0, 1, 2, 3), ofGeneration.stream().map(e -> e.path("rank").asInt()).sorted().toList(),
                    "generation " + g + ": " + ofGeneration);
            for (JsonNode e : ofGeneration) {
                int rank = e.path("rank").asInt();
                assertEquals(List.of(0, rank % 2, rank / 2), List.of(e.path("data").asInt(), e.path("tensor").asInt(),
                        e.path("pipeline").asInt()), "coordinate of " + e);
                assertTrue(e.path("parameterBytes").asLong() > 0 && e.path("optimizerBytes").asLong() > 0
                        && e.path("peakActivationBytes").asLong() > 0, e.toString());
            }
        }
        assertTrue(run.output().contains("memory rank 3 (data 0, tensor 1, pipeline 1): parameters "), run.output());
        try (NDManager manager = NDManager.newBaseManager()) {
            LoadedCheckpoint gathered = store.loadGathered(last, manager);
            assertEquals(new ai.djl.ndarray.types.Shape(258, 32),
                    gathered.parameters().get("transformer.wte.weight").getShape(), "the gathered embedding is whole");
        }
    }

    /** The tiny gpt job with its vocabulary padded to 258 (257 byte tokens), so that it splits in two. */
    private Path gptJob() throws IOException {
        if (!Files.exists(dir.resolve("data"))) {
            TestJobs.textDataset(dir);
        }
        Path job = TestJobs.tinyGptJob(dir, "");
        Files.writeString(job, Files.readString(job).replace("vocabSize: 257", "vocabSize: 258"));
        return job;
    }

    private Run train(Path job, String name, List<String> common, List<String> mesh) throws Exception {
        return train(job, name, common, mesh, false);
    }

    private Run train(Path job, String name, List<String> common, List<String> mesh, boolean resume) throws Exception {
        List<String> overrides = new ArrayList<>(common);
        overrides.addAll(mesh);
        Path runDir = dir.resolve(name);
        RunSummary summary = Spindle.train(Spindle.load(job, overrides),
                TrainOptions.in(runDir).withBaseDirectory(dir).withSampleTokens(0).withResume(resume));
        assertEquals(STEPS, summary.result().finalStep(), name);
        Map<Long, Double> losses = new TreeMap<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            JsonNode n = JSON.readTree(line);
            if (n.has("step") && n.has("loss")) {
                losses.put(n.path("step").asLong(), n.path("loss").asDouble());
            }
        }
        Map<String, float[]> parameters = new TreeMap<>();
        CheckpointStore store = CheckpointStore.open(runDir.resolve("checkpoints"), 10);
        try (NDManager manager = NDManager.newBaseManager()) {
            LoadedCheckpoint gathered = store.loadGathered(store.latest().orElseThrow(), manager);
            for (Map.Entry<String, NDArray> entry : gathered.parameters().entrySet()) {
                parameters.put(entry.getKey(), entry.getValue().toFloatArray());
            }
        }
        return new Run(losses, parameters);
    }

    private record Run(Map<Long, Double> losses, Map<String, float[]> parameters) {}
}

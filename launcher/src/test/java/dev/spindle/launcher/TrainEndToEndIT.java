package dev.spindle.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.VerifyResult;
import dev.spindle.launcher.cli.SpindleCli;
import dev.spindle.train.TrainListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trains the tiny GPT job end to end, stops it in every way we know, and resumes it. */
class TrainEndToEndIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path job;

    @BeforeEach
    void dataset() throws IOException {
        TestJobs.textDataset(dir);
        job = TestJobs.tinyGptJob(dir, "gradientAccumulation: 2");
    }

    private RunSummary train(Path runDir, boolean resume, long stopAt) throws IOException {
        TrainOptions options = TrainOptions.in(runDir).withBaseDirectory(dir).withResume(resume)
                .withStopAt(stopAt).withSampleTokens(0);
        return Spindle.train(Spindle.load(job, List.of()), options);
    }

    @Test
    void stoppingAndResumingGivesTheStraightRunBitForBit() throws IOException {
        RunSummary straight = train(dir.resolve("straight"), false, Long.MAX_VALUE);
        assertEquals(16, straight.result().finalStep());

        RunSummary first = train(dir.resolve("resumed"), false, 6);
        assertEquals(6, first.result().finalStep());
        assertTrue(first.result().stoppedEarly());
        RunSummary second = train(dir.resolve("resumed"), true, Long.MAX_VALUE);
        assertEquals(6, second.result().startStep());
        assertEquals(16, second.result().finalStep());

        assertEquals(straight.parametersDigest().orElseThrow(), second.parametersDigest().orElseThrow());
        Map<Long, Double> a = losses(dir.resolve("straight"));
        Map<Long, Double> b = losses(dir.resolve("resumed"));
        assertEquals(a, b, "per-step losses of the resumed run");
        assertEquals(16, b.size(), "no step is logged twice or lost");
        assertTrue(a.get(16L) < a.get(1L), "the model learns: " + a);
    }

    @Test
    void aRunThatHoldsCheckpointsIsNotOverwrittenWithoutResume() throws IOException {
        train(dir.resolve("run"), false, 4);
        Path metrics = dir.resolve("run/metrics.jsonl");
        String before = Files.readString(metrics);
        JobException e = org.junit.jupiter.api.Assertions.assertThrows(JobException.class,
                () -> train(dir.resolve("run"), false, Long.MAX_VALUE));
        assertTrue(e.getMessage().contains("--resume"), e.getMessage());
        assertEquals(before, Files.readString(metrics), "metrics untouched");
    }

    @Test
    void aFailureAfterTrainingStartedNamesTheCheckpointToResumeFrom() throws IOException {
        Path evalFile;
        try (var files = Files.list(dir.resolve("data/eval"))) {
            evalFile = files.filter(p -> p.toString().endsWith(".arrow")).findFirst().orElseThrow();
        }
        // The held-out file is damaged while the run trains: the evaluation at step 8 cannot read it.
        TrainListener vandal = new TrainListener() {
            @Override
            public void onStep(dev.spindle.train.StepMetrics metrics) {
                if (metrics.step() == 5) {
                    try {
                        Files.writeString(evalFile, "not arrow any more");
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }
        };
        TrainOptions options = TrainOptions.in(dir.resolve("failed")).withBaseDirectory(dir).withSampleTokens(0)
                .withListeners(List.of(vandal));
        RunFailedException e = org.junit.jupiter.api.Assertions.assertThrows(RunFailedException.class,
                () -> Spindle.train(Spindle.load(job, List.of()), options));
        assertTrue(e.getMessage().startsWith("training failed: "), e.getMessage());
        assertTrue(e.getMessage().contains(evalFile.getFileName().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("the newest checkpoint is step 4; continue with --resume"), e.getMessage());
    }

    @Test
    void aKilledProcessResumesFromItsLastCommittedCheckpoint() throws Exception {
        RunSummary straight = train(dir.resolve("straight"), false, Long.MAX_VALUE);
        Path runDir = dir.resolve("killed");
        Process child = spindle("train", job.toString(), "--run-dir", runDir.toString(),
                "--set", "spec.checkpoint.everySteps=2", "--sample-tokens", "0");
        CheckpointStore store = CheckpointStore.open(runDir.resolve("checkpoints"), 10);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (store.latest().map(CheckpointInfo::step).orElse(0L) < 6 && System.nanoTime() < deadline) {
            assertTrue(child.isAlive(), "the child ended early: " + output(child));
            Thread.sleep(20);
        }
        child.destroyForcibly().waitFor();
        long committed = store.latest().orElseThrow().step();
        assertTrue(committed >= 6 && committed < 16, "killed at step " + committed);
        for (VerifyResult r : store.verify()) {
            assertTrue(r.valid() || r.step() > committed, "only an unfinished newer checkpoint may be invalid: " + r);
        }

        RunSummary resumed = train(runDir, true, Long.MAX_VALUE);
        assertEquals(committed, resumed.result().startStep());
        assertEquals(straight.parametersDigest(), resumed.parametersDigest());
        assertEquals(losses(dir.resolve("straight")), losses(runDir));
    }

    @Test
    void sigtermCheckpointsTheLastFinishedStep() throws Exception {
        Path runDir = dir.resolve("term");
        Process child = spindle("train", job.toString(), "--run-dir", runDir.toString(),
                "--set", "spec.training.steps=2000", "--set", "spec.checkpoint.everySteps=0", "--sample-tokens", "0");
        Path metrics = runDir.resolve("metrics.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (losses(metrics.getParent()).size() < 3 && System.nanoTime() < deadline) {
            assertTrue(child.isAlive(), "the child ended early: " + output(child));
            Thread.sleep(20);
        }
        child.destroy();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child did not stop on SIGTERM");
        long lastLogged = losses(runDir).keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
        CheckpointInfo latest = CheckpointStore.open(runDir.resolve("checkpoints"), 10).latest().orElseThrow();
        assertEquals(lastLogged, latest.step(), output(child));
        assertFalse(lastLogged >= 2000);
    }

    private Process spindle(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
        command.add("-Dai.djl.offline=true");
        command.add("-Dai.djl.pytorch.num_threads=1");
        command.add("-Dai.djl.pytorch.num_interop_threads=1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SpindleCli.class.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child-" + System.nanoTime() + ".log").toFile()).start();
    }

    private String output(Process child) throws IOException {
        StringBuilder all = new StringBuilder("exit " + (child.isAlive() ? "running" : child.exitValue()) + "\n");
        try (var logs = Files.newDirectoryStream(dir, "child-*.log")) {
            for (Path log : logs) {
                all.append(Files.readString(log));
            }
        }
        return all.toString();
    }

    private static Map<Long, Double> losses(Path runDir) throws IOException {
        Map<Long, Double> losses = new TreeMap<>();
        Path file = runDir.resolve("metrics.jsonl");
        if (!Files.exists(file)) {
            return losses;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (IOException e) {
                continue; // a line the child is still writing
            }
            if (node.has("record")) {
                continue; // the run's memory record
            }
            losses.put(node.get("step").asLong(), node.get("loss").asDouble());
        }
        return losses;
    }
}

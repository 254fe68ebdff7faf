package dev.spindle.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a JVM with SIGKILL while it is saving a checkpoint and checks that the store still resumes
 * from the last complete one. The kill lands between files appearing in a new step directory and
 * its manifest, which is exactly the window the manifest-last protocol must survive.
 */
class CheckpointCrashIT {

    static final int KEEP = 2;

    /** 4 Mi floats per tensor file: two files of 16 MiB per checkpoint. */
    private static final long FLOATS = 4L << 20;

    private static final int ATTEMPTS = 5;

    @TempDir
    Path root;

    @Test
    void killedDuringSaveLeavesThePreviousCheckpointLatestAndLoadable() throws Exception {
        CheckpointStore store = CheckpointStore.open(root, KEEP);
        Path log = root.resolve("child.log"); // not a step directory: the store ignores it
        Path partial = null;
        for (int attempt = 1; attempt <= ATTEMPTS && partial == null; attempt++) {
            long firstStep = store.latest().map(info -> info.step() + 1).orElse(1L);
            Process child = start(firstStep, log);
            try {
                awaitManifest(child, root.resolve(StepDirectory.name(firstStep)), log);
                Path inProgress = awaitSaveInProgress(child, firstStep + 1, log);
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child did not die after SIGKILL");
                if (!Files.exists(inProgress.resolve(StepDirectory.MANIFEST))) {
                    partial = inProgress;
                }
            } finally {
                child.destroyForcibly();
            }
        }
        if (partial == null) {
            fail("in " + ATTEMPTS + " attempts every kill landed after the save had finished");
        }
        long crashedStep = StepDirectory.step(partial).orElseThrow();

        CheckpointInfo latest = store.latest().orElseThrow();
        assertEquals(crashedStep - 1, latest.step(), "latest() must be the checkpoint before the crash");
        try (NDManager manager = NDManager.newBaseManager()) {
            LoadedCheckpoint loaded = store.load(latest, manager);
            NDArray weight = loaded.parameters().get("weight");
            assertEquals(new Shape(FLOATS), weight.getShape());
            assertTrue(weight.eq((float) latest.step()).all().getBoolean(), "weight is not all " + latest.step());
            assertTrue(loaded.optimizerState().get("adamw.m.weight").eq((float) -latest.step()).all().getBoolean());
            assertEquals(latest.step(), loaded.state().step());
        }
        List<VerifyResult> reports = store.verify();
        VerifyResult crashed = reports.get(reports.size() - 1);
        assertEquals(crashedStep, crashed.step());
        assertFalse(crashed.valid());
        assertTrue(crashed.problems().get(0).contains("manifest.json"), crashed.problems().toString());
        assertTrue(reports.subList(0, reports.size() - 1).stream().allMatch(VerifyResult::valid), reports.toString());

        try (NDManager manager = NDManager.newBaseManager()) {
            CheckpointInfo next = store.save(Map.of("weight", manager.full(new Shape(8), 1f)), Map.of(),
                    new TrainState(crashedStep, 1L, "crash-test", TrainState.EMPTY_CURSOR, 0.5));
            assertEquals(Optional.of(next), store.latest());
        }
        assertTrue(store.verify().stream().allMatch(VerifyResult::valid), store.verify().toString());
    }

    private Process start(long firstStep, Path log) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), CheckpointWriterProcess.class.getName(),
                root.toString(), Long.toString(firstStep), Long.toString(FLOATS));
        builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return builder.start();
    }

    /** Waits until the child completed its first save, so that a later partial one has a predecessor. */
    private static void awaitManifest(Process child, Path stepDirectory, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(stepDirectory.resolve(StepDirectory.MANIFEST))) {
            checkAlive(child, deadline, "its first checkpoint " + stepDirectory, log);
            Thread.sleep(5);
        }
    }

    /** Polls until a step directory at or after {@code fromStep} holds tensor bytes but no manifest. */
    private Path awaitSaveInProgress(Process child, long fromStep, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            try (Stream<Path> entries = Files.list(root)) {
                for (Path directory : entries.toList()) {
                    if (StepDirectory.step(directory).orElse(-1) >= fromStep && inProgress(directory)) {
                        return directory;
                    }
                }
            }
            checkAlive(child, deadline, "a save in progress", log);
            Thread.onSpinWait();
        }
    }

    private static boolean inProgress(Path directory) {
        try {
            Path model = directory.resolve(StepDirectory.MODEL);
            return Files.exists(model) && Files.size(model) > 0
                    && !Files.exists(directory.resolve(StepDirectory.MANIFEST));
        } catch (IOException vanished) {
            return false; // retention or the writer replaced it between the two checks: look again
        }
    }

    private static void checkAlive(Process child, long deadline, String waitingFor, Path log) throws IOException {
        if (!child.isAlive()) {
            fail("the child exited (" + child.exitValue() + ") before " + waitingFor + ":\n" + Files.readString(log));
        }
        if (System.nanoTime() > deadline) {
            fail("timed out waiting for " + waitingFor + ":\n" + Files.readString(log));
        }
    }
}

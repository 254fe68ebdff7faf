package dev.spindle.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.data.storage.Storage;
import dev.spindle.launcher.cli.SpindleCli;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny GPT job with its dataset and checkpoints on Azurite over ABFS: it trains to the same parameters
 * as the job on the local disk, resumes from its remote checkpoints, and never prints the storage key.
 */
class AbfsTrainIT {

    @TempDir
    Path dir;

    private Path job;
    private String container;

    @BeforeEach
    void datasetOnAzurite() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", 10000), 2000);
        } catch (IOException e) {
            fail("Azurite is not listening on 127.0.0.1:10000 (" + e.getMessage() + "): run the tests through"
                    + " .ci/run, which installs and starts it");
        }
        TestJobs.textDataset(dir);
        job = TestJobs.tinyGptJob(dir, "");
        container = "abfs://train-" + UUID.randomUUID().toString().substring(0, 8)
                + "@devstoreaccount1.dfs.core.windows.net/";
        FileSystem fs = FileSystem.get(URI.create(container), Storage.configuration());
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(dir.resolve("data").toUri()),
                new org.apache.hadoop.fs.Path(URI.create(container + "datasets/tiny")));
    }

    private List<String> onAbfs(String checkpoints) {
        return List.of("spec.data.uri=" + container + "datasets/tiny/train",
                "spec.data.evalUri=" + container + "datasets/tiny/eval",
                "spec.checkpoint.uri=" + container + checkpoints);
    }

    private RunSummary train(Path runDir, List<String> overrides, boolean resume, long stopAt) throws IOException {
        TrainOptions options = TrainOptions.in(runDir).withBaseDirectory(dir).withResume(resume)
                .withStopAt(stopAt).withSampleTokens(0);
        return Spindle.train(Spindle.load(job, overrides), options);
    }

    @Test
    void trainsAndResumesOnAbfsToTheParametersOfTheLocalRun() throws IOException {
        RunSummary local = train(dir.resolve("local"), List.of(), false, Long.MAX_VALUE);

        RunSummary first = train(dir.resolve("remote"), onAbfs("runs/tiny/checkpoints"), false, 6);
        assertEquals(container + "runs/tiny/checkpoints", first.checkpointLocation());
        assertFalse(Files.exists(dir.resolve("remote/checkpoints")), "checkpoints went to ABFS, not the run dir");
        RunSummary resumed = train(dir.resolve("remote"), onAbfs("runs/tiny/checkpoints"), true, Long.MAX_VALUE);
        assertEquals(first.result().lastCheckpoint().map(CheckpointInfo::step).orElseThrow(),
                resumed.result().startStep());
        assertEquals(16, resumed.result().finalStep());
        assertEquals(local.parametersDigest().orElseThrow(), resumed.parametersDigest().orElseThrow(),
                "ABFS data and checkpoints give the local run's parameters");

        java.io.StringWriter listed = new java.io.StringWriter();
        int code = SpindleCli.execute(new java.io.PrintWriter(listed, true), new java.io.PrintWriter(listed, true),
                "checkpoints", "verify", container + "runs/tiny/checkpoints");
        assertEquals(0, code, listed.toString());
        assertTrue(listed.toString().contains("step 16: ok"), listed.toString());
    }

    @Test
    void theStorageKeyAppearsInNoOutputOfARun() throws Exception {
        String key = System.getenv("SPINDLE_AZURE_STORAGE_KEY");
        assertTrue(key != null && key.length() > 40, "the failsafe configuration sets the Azurite key");
        Path runDir = dir.resolve("cli");
        Path log = dir.resolve("cli.log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp", System.getProperty("java.class.path"), SpindleCli.class.getName(),
                "train", job.toString(), "--run-dir", runDir.toString(), "--sample-tokens", "0",
                "--set", "spec.training.steps=8"));
        for (String override : onAbfs("runs/cli/checkpoints")) {
            command.add("--set");
            command.add(override);
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("SPINDLE_AZURE_STORAGE_KEY", key);
        Process child = builder.start();
        assertTrue(child.waitFor(300, TimeUnit.SECONDS), "the run did not finish in 5 minutes");
        String output = Files.readString(log);
        assertEquals(0, child.exitValue(), output);
        assertTrue(output.contains("spindle: checkpoint " + container + "runs/cli/checkpoints/step-00000008"), output);
        assertFalse(output.contains(key), "the key is in the CLI output");
        try (Stream<Path> files = Files.walk(runDir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertFalse(Files.readString(file).contains(key), "the key is in " + file);
            }
        }
    }

    @Test
    void aSasTokenInTheSpecIsRefusedBeforeTraining() throws IOException {
        JobException e = org.junit.jupiter.api.Assertions.assertThrows(JobException.class, () -> train(
                dir.resolve("sas"), List.of("spec.checkpoint.uri=" + container + "ckpt?sv=2024&sig=SECRETSIG"),
                false, Long.MAX_VALUE));
        assertTrue(e.getMessage().startsWith("spec.checkpoint.uri: the URI carries what looks like a SAS token"),
                e.getMessage());
        assertFalse(e.getMessage().contains("SECRETSIG"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("sas")), "nothing was written");
    }
}

package dev.spindle.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.launcher.TestJobs;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpindleCliTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return SpindleCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void unknownOptionIsBadInput() {
        assertEquals(SpindleCli.BAD_INPUT, run("train", "--no-such-flag", "job.yaml"));
        assertTrue(err.toString().contains("--no-such-flag"), err.toString());
    }

    @Test
    void missingJobFileIsOneClearLine() {
        assertEquals(SpindleCli.BAD_INPUT, run("train", dir.resolve("nope.yaml").toString()));
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().contains("nope.yaml"), err.toString());
        assertFalse(Files.exists(dir.resolve("runs")));
    }

    @Test
    void validateReportsEveryProblemAtOnce() throws IOException {
        TestJobs.textDataset(dir);
        Path job = TestJobs.tinyGptJob(dir, "");
        String yaml = Files.readString(job).replace("steps: 16", "steps: -5").replace("batchSize: 4", "batchSize: 4\n    bogus: 1");
        Files.writeString(job, yaml, StandardCharsets.UTF_8);
        assertEquals(SpindleCli.BAD_INPUT, run("validate", job.toString()));
        String text = err.toString();
        assertTrue(text.contains("spec.training.steps"), text);
        assertTrue(text.contains("spec.training.bogus"), text);
        assertTrue(text.contains("2 problems"), text);
    }

    @Test
    void validateChecksModelConfigAndOverrides() throws IOException {
        TestJobs.textDataset(dir);
        Path job = TestJobs.tinyGptJob(dir, "");
        assertEquals(SpindleCli.OK, run("validate", job.toString()), err.toString());
        assertTrue(out.toString().contains("valid"));
        assertEquals(SpindleCli.BAD_INPUT, run("validate", job.toString(), "--set", "spec.model.config.heads=3"));
        assertTrue(err.toString().contains("spec.model.config.heads"), err.toString());
    }

    @Test
    void datasetLargerThanVocabularyIsRefusedBeforeTraining() throws IOException {
        TestJobs.textDataset(dir);
        Path job = TestJobs.tinyGptJob(dir, "");
        Path runDir = dir.resolve("run");
        int code = run("train", job.toString(), "--run-dir", runDir.toString(), "--set", "spec.model.config.vocabSize=100");
        assertEquals(SpindleCli.BAD_INPUT, code, err.toString());
        assertTrue(err.toString().contains("vocabSize"), err.toString());
        assertFalse(Files.exists(runDir.resolve("checkpoints")), "nothing may be written");
    }

    @Test
    void missingDatasetIsRefusedNamingTheField() throws IOException {
        Path job = TestJobs.tinyGptJob(dir, "");
        Path runDir = dir.resolve("run");
        assertEquals(SpindleCli.BAD_INPUT, run("train", job.toString(), "--run-dir", runDir.toString()));
        assertTrue(err.toString().contains("spec.data.uri"), err.toString());
        assertFalse(Files.exists(runDir));
    }

    @Test
    void verifyOfAFolderThatIsNoRunIsBadInput() {
        assertEquals(SpindleCli.BAD_INPUT, run("checkpoints", "verify", dir.resolve("absent").toString()));
        assertTrue(err.toString().contains("absent"), err.toString());
    }
}

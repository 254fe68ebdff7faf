package dev.spindle.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The command lines of the two pod programs, parsed as picocli parses them under {@code spindle} (bad input
 * exits 2 there too; what the programs do with good input is tested in {@code dev.spindle.launcher.kube.pod}).
 */
class CoordinateCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Object command, String... args) {
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void coordinateNamesTheMissingRequiredOptions() {
        assertEquals(SpindleCli.BAD_INPUT, run(new CoordinateCommand(), "--job", "job.yaml"));
        for (String flag : new String[] {"--cluster-dir", "--run-dir", "--host"}) {
            assertTrue(err.toString().contains(flag), flag + " in: " + err);
        }
    }

    @Test
    void coordinateWantsNamespaceAndStatusConfigMapTogether() {
        assertEquals(SpindleCli.BAD_INPUT, run(new CoordinateCommand(), "--job", "job.yaml", "--cluster-dir",
                dir.toString(), "--run-dir", dir.resolve("run").toString(), "--host", "10.0.0.7", "--namespace", "ml"));
        assertTrue(err.toString().contains("--namespace and --status-configmap go together"), err.toString());
    }

    @Test
    void coordinateRefusesANonNumericPort() {
        assertEquals(SpindleCli.BAD_INPUT, run(new CoordinateCommand(), "--job", "job.yaml", "--cluster-dir",
                dir.toString(), "--run-dir", dir.toString(), "--host", "10.0.0.7", "--port", "pekko"));
        assertTrue(err.toString().contains("--port"), err.toString());
    }

    @Test
    void workerHandsItsWholeCommandLineToTheWorkerMain() {
        // WorkerMain's own parser answers: the options reached it unchanged, and its exit code came back.
        assertEquals(2, runWorker("--worker-id", "tiny-worker-x", "--coordinator"));
        assertTrue(workerErr.contains("worker option --coordinator needs a value"), workerErr);
        assertEquals(2, runWorker("--bogus", "1"));
        assertTrue(workerErr.contains("unknown worker option --bogus"), workerErr);
    }

    private String workerErr = "";

    /** WorkerMain writes to the process's stderr (in a pod, the container log). */
    private int runWorker(String... args) {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            return run(new WorkerCommand(), args);
        } finally {
            System.setErr(saved);
            workerErr = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}

package dev.spindle.cluster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerArgsTest {

    private static final List<String> REQUIRED = List.of("--worker-id", "w3", "--coordinator", "127.0.0.1:25520",
            "--job", "runs/x/job.yaml", "--base-dir", "examples/gpt", "--run-dir", "runs/x",
            "--secret-file", "runs/x/job.secret", "--tls-dir", "runs/x/tls");

    @Test
    void readsTheRequiredOptionsAndDefaultsTheRest() {
        WorkerArgs args = WorkerArgs.parse(REQUIRED);
        assertEquals("w3", args.workerId());
        assertEquals("127.0.0.1:25520", args.coordinator());
        assertEquals(Path.of("runs/x/job.yaml"), args.jobFile());
        assertEquals("127.0.0.1", args.host());
        assertEquals(0, args.port());
        assertEquals(0, args.dataPort());
        assertNull(args.advertiseData());
        assertEquals(0, args.threads());
        assertEquals(0, args.parentPid());
    }

    @Test
    void readsTheOptionalOnes() {
        List<String> all = new ArrayList<>(REQUIRED);
        all.addAll(List.of("--port", "2552", "--data-port", "4000", "--advertise-data", "10.0.0.7:4000",
                "--threads", "4", "--parent-pid", "1234"));
        WorkerArgs args = WorkerArgs.parse(all);
        assertEquals(2552, args.port());
        assertEquals(4000, args.dataPort());
        assertEquals("10.0.0.7:4000", args.advertiseData());
        assertEquals(4, args.threads());
        assertEquals(1234, args.parentPid());
    }

    @Test
    void badCommandLinesAreNamedInOneLine() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> WorkerArgs.parse(REQUIRED.subList(2, REQUIRED.size())));
        assertTrue(missing.getMessage().contains("--worker-id is missing"), missing.getMessage());

        List<String> unknown = new ArrayList<>(REQUIRED);
        unknown.addAll(List.of("--rank", "2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WorkerArgs.parse(unknown));
        assertTrue(e.getMessage().startsWith("unknown worker option --rank"), e.getMessage());

        List<String> negative = new ArrayList<>(REQUIRED);
        negative.addAll(List.of("--threads", "-1"));
        e = assertThrows(IllegalArgumentException.class, () -> WorkerArgs.parse(negative));
        assertTrue(e.getMessage().contains("--threads: got '-1'"), e.getMessage());

        List<String> dangling = new ArrayList<>(REQUIRED);
        dangling.add("--port");
        e = assertThrows(IllegalArgumentException.class, () -> WorkerArgs.parse(dangling));
        assertTrue(e.getMessage().contains("--port needs a value"), e.getMessage());
    }

    @Test
    void theExitCodeOfABadCommandLineIsTwo() {
        assertEquals(2, WorkerMain.run(List.of("--worker-id")));
    }
}

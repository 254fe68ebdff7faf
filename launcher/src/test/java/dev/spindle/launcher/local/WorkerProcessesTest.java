package dev.spindle.launcher.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerProcessesTest {

    @TempDir
    Path dir;

    private final Children children = new Children();

    @Test
    void everyLineIsPrefixedAndEveryExitReported() throws Exception {
        Path go = dir.resolve("go");
        try (WorkerProcesses workers = children.supervise(dir, id -> id.equals("w0")
                ? Children.child("out:hello from w0", "err:a warning", "exit:0")
                : Children.child("out:before", "await:" + go, "out:after", "err:failing", "exit:3")).build()) {
            assertEquals(List.of("w0", "w1"), workers.start(2));
            children.awaitLine("[w1] before");
            workers.relabel("w1", "rank 2");
            Files.createFile(go);
            Map<String, WorkerProcesses.Exit> exits = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                WorkerProcesses.Exit exit = children.nextExit();
                exits.put(exit.workerId(), exit);
            }
            List<String> lines = children.prefixed();
            assertTrue(lines.contains("[w0] hello from w0"), lines.toString());
            assertTrue(lines.contains("[w0] a warning"), lines.toString());
            assertTrue(lines.contains("[rank 2] after"), lines.toString());
            assertTrue(lines.contains("[rank 2] failing"), lines.toString());
            assertTrue(children.lines.stream().anyMatch(l -> l.stderr() && l.text().equals("a warning")));
            assertTrue(children.lines.stream().anyMatch(l -> !l.stderr() && l.text().equals("hello from w0")));
            assertEquals(0, exits.get("w0").exitCode());
            assertEquals(3, exits.get("w1").exitCode());
            assertEquals("rank 2", exits.get("w1").label());
            assertFalse(exits.get("w0").requested() || exits.get("w1").requested());
            assertEquals(workers.pid("w1").getAsLong(), exits.get("w1").pid());
            assertEquals(List.of(), workers.running());
        }
    }

    @Test
    void pidFileLivesAsLongAsTheWorker() throws Exception {
        Path go = dir.resolve("go");
        try (WorkerProcesses workers = children.supervise(dir, id -> Children.child("out:up", "await:" + go)).build()) {
            workers.start(1);
            children.awaitLine("[w0] up");
            Path pidFile = dir.resolve("workers").resolve("w0.pid");
            assertEquals(Long.toString(workers.pid("w0").getAsLong()), Files.readString(pidFile, StandardCharsets.US_ASCII).strip());
            assertEquals(List.of("w0"), workers.running());
            assertTrue(assertThrows(IllegalStateException.class, () -> workers.replace("w0")).getMessage()
                    .contains("still running"));
            Files.createFile(go);
            assertEquals(0, children.nextExit().exitCode());
            assertFalse(Files.exists(pidFile), "the pid file outlived its worker");
        }
    }

    @Test
    void deadWorkerIsReplacedUnderNewIdUpToMaxRestarts() throws Exception {
        try (WorkerProcesses workers = children.supervise(dir, id -> Children.child("out:I am " + id, "exit:1"))
                .maxRestarts(1).build()) {
            workers.start(1);
            assertEquals("w0", children.nextExit().workerId());
            assertEquals(Optional.of("w1"), workers.replace("w0"));
            WorkerProcesses.Exit second = children.nextExit();
            assertEquals("w1", second.workerId());
            assertEquals(1, second.exitCode());
            assertTrue(children.prefixed().contains("[w1] I am w1"), children.prefixed().toString());
            assertEquals(Optional.empty(), workers.replace("w1"), "the restart budget of 1 is spent");
            assertThrows(IllegalStateException.class, () -> workers.replace("w0"));
            assertEquals(1, workers.restarts());
            assertTrue(assertThrows(IllegalArgumentException.class, () -> workers.replace("w9")).getMessage()
                    .contains("no worker w9"));
        }
    }

    @Test
    void exitListenerCanReplaceTheDeadWorker() throws Exception {
        List<Optional<String>> replacements = new java.util.concurrent.CopyOnWriteArrayList<>();
        WorkerProcesses[] holder = new WorkerProcesses[1];
        try (WorkerProcesses workers = WorkerProcesses.builder(dir, id -> Children.child("exit:7"))
                .output(children.lines::add)
                .onExit(exit -> {
                    try {
                        replacements.add(holder[0].replace(exit.workerId()));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    children.exits.add(exit);
                })
                .maxRestarts(2).shutdownHook(false).build()) {
            holder[0] = workers;
            workers.start(1);
            for (String expected : List.of("w0", "w1", "w2")) {
                WorkerProcesses.Exit exit = children.nextExit();
                assertEquals(expected, exit.workerId());
                assertEquals(7, exit.exitCode());
            }
            assertEquals(List.of(Optional.of("w1"), Optional.of("w2"), Optional.empty()), replacements);
            assertEquals(2, workers.restarts());
        }
    }

    @Test
    void failureToStartOneStopsTheOthers() throws Exception {
        Path missing = dir.resolve("no-such-directory");
        try (WorkerProcesses workers = children.supervise(dir, id -> id.equals("w0")
                ? Children.child("out:up", "sleep:600000")
                : JavaProcess.builder(ChildMain.class.getName()).workingDirectory(missing).build()).build()) {
            assertThrows(IOException.class, () -> workers.start(2));
            WorkerProcesses.Exit exit = children.nextExit();
            assertEquals("w0", exit.workerId());
            assertTrue(exit.requested());
            assertEquals(List.of(), workers.running());
            assertThrows(IllegalStateException.class, workers::spawn);
        }
    }

    @Test
    void threadsPerWorkerSharesTheCores() {
        assertEquals(4, WorkerProcesses.threadsPerWorker(16, 4));
        assertEquals(3, WorkerProcesses.threadsPerWorker(7, 2));
        assertEquals(1, WorkerProcesses.threadsPerWorker(2, 4));
        assertEquals(2, WorkerProcesses.threadsPerWorker(2, 1));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WorkerProcesses.threadsPerWorker(4, 0))
                .getMessage().contains("workers 0"));
    }
}

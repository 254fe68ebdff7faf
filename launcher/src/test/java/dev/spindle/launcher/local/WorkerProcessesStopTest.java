package dev.spindle.launcher.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerProcessesStopTest {

    /** Exit codes of a JVM ended by a signal: 128 + SIGTERM (15), 128 + SIGKILL (9). */
    private static final int SIGTERM_EXIT = 143;
    private static final int SIGKILL_EXIT = 137;

    @TempDir
    Path dir;

    private final Children children = new Children();

    @Test
    void closeSendsSigtermThenSigkillToWhatIgnoresIt() throws Exception {
        WorkerProcesses workers = children.supervise(dir, id -> id.equals("w0")
                        ? Children.child("hook:shutting down cleanly", "out:up", "sleep:600000")
                        : Children.child("stubborn", "out:up", "sleep:600000"))
                .stopGrace(Duration.ofSeconds(1)).build();
        workers.start(2);
        children.awaitLine("[w0] up");
        children.awaitLine("[w1] up");
        workers.close();
        // close() returns only once every exit was reported.
        assertEquals(2, children.exits.size());
        Map<String, WorkerProcesses.Exit> exits = new HashMap<>();
        children.exits.forEach(e -> exits.put(e.workerId(), e));
        assertEquals(SIGTERM_EXIT, exits.get("w0").exitCode());
        assertEquals(SIGKILL_EXIT, exits.get("w1").exitCode());
        assertTrue(exits.get("w0").requested() && exits.get("w1").requested());
        List<String> lines = children.prefixed();
        assertTrue(lines.contains("[w0] shutting down cleanly"), lines.toString());
        assertTrue(lines.contains("[w1] ignoring the stop"), lines.toString());
        assertEquals(List.of(), workers.running());
        assertFalse(Files.exists(dir.resolve("workers/w0.pid")));
        assertFalse(Files.exists(dir.resolve("workers/w1.pid")));
        workers.close();  // twice is fine
    }

    @Test
    void ctrlCStopsEveryWorker() throws Exception {
        WorkerProcesses workers = children.supervise(dir, id -> Children.child("out:up", "sleep:600000")).build();
        workers.start(1);
        children.awaitLine("[w0] up");
        workers.onShutdown();  // what the JVM's shutdown hook runs on Ctrl-C
        WorkerProcesses.Exit exit = children.nextExit();
        assertEquals(SIGTERM_EXIT, exit.exitCode());
        assertTrue(exit.requested());
        assertFalse(Files.exists(dir.resolve("workers/w0.pid")));
    }

    @Test
    void exitListenerMayStopEverything() throws Exception {
        WorkerProcesses[] holder = new WorkerProcesses[1];
        CountDownLatch closed = new CountDownLatch(1);
        WorkerProcesses workers = WorkerProcesses.builder(dir, id -> id.equals("w0")
                        ? Children.child("out:up", "exit:5") : Children.child("out:up", "sleep:600000"))
                .output(children.lines::add)
                .onExit(exit -> {
                    children.exits.add(exit);
                    if (exit.exitCode() == 5) {
                        holder[0].close();  // a failure the job cannot survive: stop the rest from here
                        closed.countDown();
                    }
                })
                .shutdownHook(false).build();
        holder[0] = workers;
        workers.start(2);
        WorkerProcesses.Exit first = children.nextExit();
        assertEquals("w0", first.workerId());
        WorkerProcesses.Exit second = children.nextExit();
        assertEquals("w1", second.workerId());
        assertEquals(SIGTERM_EXIT, second.exitCode());
        assertTrue(second.requested());
        assertTrue(closed.await(Children.PATIENCE.toSeconds(), TimeUnit.SECONDS), "close() from the listener hung");
        assertEquals(List.of(), workers.running());
    }

    @Test
    void stopOneWorkerLeavesTheOthersRunning() throws Exception {
        try (WorkerProcesses workers = children.supervise(dir, id -> Children.child("out:up", "sleep:600000")).build()) {
            workers.start(2);
            children.awaitLine("[w0] up");
            workers.stop("w0");
            WorkerProcesses.Exit exit = children.nextExit();
            assertEquals("w0", exit.workerId());
            assertTrue(exit.requested());
            assertEquals(List.of("w1"), workers.running());
        }
    }
}

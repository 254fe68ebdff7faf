package dev.spindle.launcher.local;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** What the supervisor tests collect from real child JVMs: their lines and their exits. */
final class Children {

    /** A bound on waits so a broken supervisor fails the test instead of hanging it; never a measurement. */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    final List<WorkerProcesses.Line> lines = Collections.synchronizedList(new ArrayList<>());
    final BlockingQueue<WorkerProcesses.Exit> exits = new LinkedBlockingQueue<>();

    /** A small child JVM running {@link ChildMain} with {@code actions}. */
    static JavaProcess child(String... actions) {
        return JavaProcess.builder(ChildMain.class.getName())
                .heap("64m")
                .jvmOption("-XX:TieredStopAtLevel=1")
                .jvmOption("-XX:+UseSerialGC")
                .args(actions)
                .build();
    }

    WorkerProcesses.Builder supervise(java.nio.file.Path runDir, java.util.function.Function<String, JavaProcess> f) {
        return WorkerProcesses.builder(runDir, f).output(lines::add).onExit(exits::add).shutdownHook(false);
    }

    WorkerProcesses.Exit nextExit() throws InterruptedException {
        WorkerProcesses.Exit exit = exits.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        if (exit == null) {
            throw new AssertionError("no worker exit reported; lines: " + prefixed());
        }
        return exit;
    }

    /** Waits until a line equal to {@code prefixed} (as {@code "[label] text"}) was delivered. */
    void awaitLine(String prefixed) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!prefixed().contains(prefixed)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never saw '" + prefixed + "'; lines: " + prefixed());
            }
            Thread.sleep(20);
        }
    }

    List<String> prefixed() {
        synchronized (lines) {
            return lines.stream().map(WorkerProcesses.Line::prefixed).toList();
        }
    }
}

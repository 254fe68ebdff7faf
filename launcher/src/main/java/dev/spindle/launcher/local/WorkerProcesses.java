package dev.spindle.launcher.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervises a job's worker JVMs on this machine. Each worker gets an id ({@code w0}, {@code w1}, ... in the
 * order started; a replacement or a later worker takes the next free number) and a pid file
 * {@code runDir/workers/<id>.pid} that is removed when it exits. Every line a worker writes to stdout or
 * stderr goes to the output sink as a {@link Line} whose {@link Line#prefixed()} form is
 * {@code "[label] text"}; the label starts as the worker id and follows {@link #relabel} (e.g. to
 * {@code "rank 2"} once the coordinator assigned ranks). Every exit goes to the exit listener once the
 * worker's last line was delivered, with its code and whether this supervisor asked it to stop.
 *
 * <p>{@link #close()} (also run by a shutdown hook, so Ctrl-C on the launcher stops the workers) sends every
 * live worker SIGTERM, waits the stop grace, then sends SIGKILL to those still alive, and returns once
 * every exit was reported. A dead worker is replaced only when the caller says so ({@link #replace}), at
 * most {@code maxRestarts} times over the supervisor's life.
 *
 * <pre>{@code
 * try (WorkerProcesses workers = WorkerProcesses.builder(runDir,
 *                 id -> JavaProcess.builder(WORKER_MAIN).args("--worker-id", id, ...).build())
 *         .output(line -> System.out.println(line.prefixed()))
 *         .onExit(exit -> { if (!exit.requested()) coordinator.workerProcessExited(exit.workerId(), exit.exitCode()); })
 *         .maxRestarts(3)
 *         .build()) {
 *     workers.start(4);
 *     ...                                  // on a reported death: workers.replace(exit.workerId())
 * }                                        // SIGTERM, then SIGKILL after the grace
 * }</pre>
 */
public final class WorkerProcesses implements AutoCloseable {

    /** How long a worker has between SIGTERM and SIGKILL unless the builder says otherwise. */
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(15);

    /** How long the exit report waits for a worker's output after the process ended (a grandchild may hold it). */
    private static final Duration OUTPUT_DRAIN = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(WorkerProcesses.class);

    /** One line a worker wrote; {@code stderr} tells which stream. */
    public record Line(String workerId, String label, boolean stderr, String text) {
        /** {@code "[label] text"}: how the launcher shows it. */
        public String prefixed() {
            return "[" + label + "] " + text;
        }
    }

    /** A worker's end: its exit code (143 after SIGTERM, 137 after SIGKILL) and whether we asked it to stop. */
    public record Exit(String workerId, String label, long pid, int exitCode, boolean requested) {}

    private final Path workersDir;
    private final Function<String, JavaProcess> workers;
    private final Consumer<Line> output;
    private final Consumer<Exit> onExit;
    private final int maxRestarts;
    private final Duration stopGrace;
    private final Thread hook;
    private final Object outputLock = new Object();

    private final Map<String, Worker> all = new LinkedHashMap<>();
    private int nextIndex;
    private int restarts;
    private boolean closing;

    private WorkerProcesses(Builder b) {
        this.workersDir = b.runDir.resolve("workers");
        this.workers = b.workers;
        this.output = b.output;
        this.onExit = b.onExit;
        this.maxRestarts = b.maxRestarts;
        this.stopGrace = b.stopGrace;
        if (b.shutdownHook) {
            hook = new Thread(this::onShutdown, "spindle-workers-stop");
            Runtime.getRuntime().addShutdownHook(hook);
        } else {
            hook = null;
        }
    }

    /**
     * A supervisor writing pid files under {@code runDir/workers}; {@code workers} makes the process for a
     * worker id (the id usually goes into the worker's arguments).
     */
    public static Builder builder(Path runDir, Function<String, JavaProcess> workers) {
        return new Builder(Objects.requireNonNull(runDir, "runDir"), Objects.requireNonNull(workers, "workers"));
    }

    /** How many libtorch threads each of {@code workers} JVMs gets on {@code cores} cores: max(1, cores / workers). */
    public static int threadsPerWorker(int cores, int workers) {
        if (cores < 1 || workers < 1) {
            throw new IllegalArgumentException("threadsPerWorker: expected cores >= 1 and workers >= 1, got cores "
                    + cores + " and workers " + workers);
        }
        return Math.max(1, cores / workers);
    }

    /**
     * Starts {@code count} workers and returns their ids. If one fails to start, the supervisor is closed
     * (the ones started are stopped) and the failure is thrown.
     */
    public List<String> start(int count) throws IOException {
        if (count < 1) {
            throw new IllegalArgumentException("workers: expected >= 1, got " + count);
        }
        List<String> ids = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ids.add(spawn());
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        return ids;
    }

    /** Starts one more worker (e.g. to grow an elastic job) and returns its id. Not counted as a restart. */
    public synchronized String spawn() throws IOException {
        // Under the lock: close() then sees every worker that started, and none starts after it.
        if (closing) {
            throw new IllegalStateException("the worker processes are stopping; no new worker can start");
        }
        String id = "w" + nextIndex++;
        JavaProcess description = workers.apply(id);
        Files.createDirectories(workersDir);
        Worker worker = new Worker(id, description.start(), workersDir.resolve(id + ".pid"));
        all.put(id, worker);
        try {
            // Whole or absent: a reader (a cleanup script, a test) never sees a half-written pid.
            Path partial = workersDir.resolve(id + ".pid.partial");
            Files.writeString(partial, worker.process.pid() + "\n", StandardCharsets.US_ASCII);
            Files.move(partial, worker.pidFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            worker.requested = true;
            worker.signal(true);
            throw new IOException("could not write the pid file " + worker.pidFile + ": " + e.getMessage(), e);
        } finally {
            worker.watch();
        }
        return id;
    }

    /**
     * Starts a replacement for the exited worker {@code workerId} under a new id, or returns empty when the
     * restart budget ({@code maxRestarts}) is spent or the supervisor is stopping.
     *
     * @throws IllegalStateException if that worker is still running or was replaced already
     */
    public synchronized Optional<String> replace(String workerId) throws IOException {
        Worker dead = worker(workerId);
        if (dead.process.isAlive()) {
            throw new IllegalStateException("worker " + workerId + " is still running (pid " + dead.process.pid()
                    + "); stop it before replacing it");
        }
        if (dead.replaced) {
            throw new IllegalStateException("worker " + workerId + " was replaced already");
        }
        if (closing || restarts >= maxRestarts) {
            return Optional.empty();
        }
        String id = spawn();
        dead.replaced = true;
        restarts++;
        return Optional.of(id);
    }

    /** Changes the prefix of a worker's next lines, e.g. to {@code "rank 2"}. */
    public void relabel(String workerId, String label) {
        if (label == null || label.isBlank()) {
            throw new IllegalArgumentException("label of " + workerId + ": expected a non-blank text, got '" + label + "'");
        }
        synchronized (this) {
            worker(workerId).label = label;
        }
    }

    /** Stops one worker (SIGTERM, SIGKILL after the grace) and returns once its exit was reported. */
    public void stop(String workerId) throws InterruptedException {
        Worker w;
        synchronized (this) {
            w = worker(workerId);
        }
        terminate(List.of(w));
    }

    /** The ids of the workers whose processes are alive, in start order. */
    public synchronized List<String> running() {
        return all.values().stream().filter(w -> w.process.isAlive()).map(w -> w.id).toList();
    }

    /** The process id of a worker started by this supervisor, empty for an unknown id. */
    public synchronized OptionalLong pid(String workerId) {
        Worker w = all.get(workerId);
        return w == null ? OptionalLong.empty() : OptionalLong.of(w.process.pid());
    }

    /** Replacements started so far. */
    public synchronized int restarts() {
        return restarts;
    }

    /** Waits until every worker started so far has exited and its exit was reported; false on timeout. */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Worker> snapshot;
        synchronized (this) {
            snapshot = List.copyOf(all.values());
        }
        for (Worker w : snapshot) {
            if (!w.reported.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Stops every worker: SIGTERM, then SIGKILL to those alive after the stop grace; returns once every exit
     * was reported. Safe to call more than once and from several threads.
     */
    @Override
    public void close() {
        List<Worker> snapshot;
        synchronized (this) {
            closing = true;
            snapshot = List.copyOf(all.values());
        }
        try {
            terminate(snapshot);
        } catch (InterruptedException e) {
            snapshot.forEach(w -> w.signal(true));
            Thread.currentThread().interrupt();
        }
        if (hook != null && Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is exiting and the hook is running or ran: nothing to remove.
            }
        }
    }

    /** What the shutdown hook (Ctrl-C, SIGTERM of the launcher) does: stop every worker. */
    void onShutdown() {
        close();
    }

    private void terminate(List<Worker> targets) throws InterruptedException {
        for (Worker w : targets) {
            if (w.process.isAlive()) {
                w.requested = true;
                w.signal(false);  // SIGTERM: the worker's shutdown hooks run
            }
        }
        long deadline = System.nanoTime() + stopGrace.toNanos();
        for (Worker w : targets) {
            if (!w.process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                LOG.warn("worker {} (pid {}) still running {} s after SIGTERM; sending SIGKILL", w.id, w.process.pid(),
                        stopGrace.toSeconds());
                w.signal(true);
            }
        }
        for (Worker w : targets) {
            w.process.waitFor();
            if (Thread.currentThread() != w.watcher) {  // an exit listener that stops everything reports after this
                w.reported.await();
            }
        }
    }

    private Worker worker(String workerId) {
        Worker w = all.get(workerId);
        if (w == null) {
            throw new IllegalArgumentException("no worker " + workerId + "; the workers are " + all.keySet());
        }
        return w;
    }

    private void deliver(Worker w, boolean stderr, String text) {
        synchronized (outputLock) {
            try {
                output.accept(new Line(w.id, w.label, stderr, text));
            } catch (RuntimeException e) {
                // Keep draining: a worker blocked on a full pipe would hang.
                LOG.warn("the output sink failed on a line of worker {}: {}", w.id, e.toString());
            }
        }
    }

    /** One worker process and the threads that drain and watch it. */
    private final class Worker {
        final String id;
        final Process process;
        final Path pidFile;
        final CountDownLatch reported = new CountDownLatch(1);
        volatile String label;
        volatile boolean requested;
        volatile Thread watcher;
        boolean replaced;  // guarded by the supervisor

        Worker(String id, Process process, Path pidFile) {
            this.id = id;
            this.process = process;
            this.pidFile = pidFile;
            this.label = id;
        }

        /**
         * SIGTERM or SIGKILL through the process handle: {@code Process.destroy()} would also close our ends of
         * the pipes and lose what the worker writes while it stops (its shutdown hooks, the last log lines).
         */
        void signal(boolean kill) {
            ProcessHandle handle = process.toHandle();
            if (kill) {
                handle.destroyForcibly();
            } else {
                handle.destroy();
            }
        }

        void watch() {
            Thread out = drain(process.getInputStream(), false);
            Thread err = drain(process.getErrorStream(), true);
            Thread watcher = new Thread(() -> {
                int code = -1;
                try {
                    code = process.waitFor();
                    out.join(OUTPUT_DRAIN.toMillis());
                    err.join(OUTPUT_DRAIN.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    try {
                        Files.deleteIfExists(pidFile);
                    } catch (IOException e) {
                        LOG.warn("could not remove the pid file {}: {}", pidFile, e.toString());
                    }
                    report(code);
                }
            }, "spindle-worker-" + id + "-exit");
            watcher.setDaemon(true);
            this.watcher = watcher;
            watcher.start();
        }

        private void report(int code) {
            try {
                onExit.accept(new Exit(id, label, process.pid(), code, requested));
            } catch (RuntimeException e) {
                LOG.warn("the exit listener failed on worker {}: {}", id, e.toString());
            } finally {
                reported.countDown();
            }
        }

        private Thread drain(InputStream stream, boolean stderr) {
            Thread t = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        deliver(this, stderr, line);
                    }
                } catch (IOException | UncheckedIOException e) {
                    // Only a broken pipe ends here: signals go through the ProcessHandle, which leaves the pipes open.
                }
            }, "spindle-worker-" + id + (stderr ? "-err" : "-out"));
            t.setDaemon(true);
            t.start();
            return t;
        }
    }

    /** Options of a {@link WorkerProcesses}; every one has a default. */
    public static final class Builder {

        private final Path runDir;
        private final Function<String, JavaProcess> workers;
        private Consumer<Line> output = line -> System.out.println(line.prefixed());
        private Consumer<Exit> onExit = exit -> { };
        private int maxRestarts;
        private Duration stopGrace = DEFAULT_STOP_GRACE;
        private boolean shutdownHook = true;

        private Builder(Path runDir, Function<String, JavaProcess> workers) {
            this.runDir = runDir;
            this.workers = workers;
        }

        /** Where every line goes (default: this process's stdout, prefixed); called by one thread at a time. */
        public Builder output(Consumer<Line> sink) {
            output = Objects.requireNonNull(sink, "output");
            return this;
        }

        /**
         * Called once per worker exit, on a supervisor thread, after the worker's last line was delivered. The
         * listener may call {@link #replace} or {@link #close()} (e.g. when the restart budget is spent).
         */
        public Builder onExit(Consumer<Exit> listener) {
            onExit = Objects.requireNonNull(listener, "onExit");
            return this;
        }

        /** How many replacements {@link #replace} may start in all (default 0). */
        public Builder maxRestarts(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("maxRestarts: expected >= 0, got " + count);
            }
            maxRestarts = count;
            return this;
        }

        /** Time between SIGTERM and SIGKILL on stop (default {@link #DEFAULT_STOP_GRACE}). */
        public Builder stopGrace(Duration grace) {
            if (grace == null || grace.isNegative()) {
                throw new IllegalArgumentException("stopGrace: expected a duration >= 0, got " + grace);
            }
            stopGrace = grace;
            return this;
        }

        /**
         * Whether a JVM shutdown hook stops the workers when this process exits without {@link #close()}
         * (Ctrl-C; default true). Turn it off only if another hook closes this supervisor.
         */
        public Builder shutdownHook(boolean install) {
            shutdownHook = install;
            return this;
        }

        /** The supervisor, with no worker started yet. */
        public WorkerProcesses build() {
            return new WorkerProcesses(this);
        }
    }
}

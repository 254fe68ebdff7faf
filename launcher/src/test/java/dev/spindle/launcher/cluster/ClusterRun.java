package dev.spindle.launcher.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.data.prepare.SyntheticTabularDataset;
import dev.spindle.launcher.cli.SpindleCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * One multi-worker job run by the real CLI in a child JVM, as a person would start it, with what the
 * tests need to watch it: its events, the workers' pid files, and the sample trace
 * ({@code SPINDLE_SAMPLE_TRACE}) that shows which samples each rank trained on.
 */
final class ClusterRun {

    static final int ROWS = 512;
    static final int FEATURES = 16;
    static final int CLASSES = 4;
    static final int GLOBAL_BATCH = 32;

    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final Path runDir;
    final Path traceDir;
    final Path log;
    Process process;
    private final Map<Process, String> joined = new java.util.LinkedHashMap<>();

    ClusterRun(Path dir, String name) {
        this.dir = dir;
        this.runDir = dir.resolve("runs").resolve(name);
        this.traceDir = dir.resolve("trace-" + name);
        this.log = dir.resolve(name + ".log");
    }

    /** An MLP job over a seeded dataset of {@value #ROWS} distinct rows, in {@code dir}. */
    static Path job(Path dir, long steps, int everySteps, String parallelism) throws IOException {
        Path data = dir.resolve("data");
        if (!Files.exists(data)) {
            SyntheticTabularDataset.write(new SyntheticTabularDataset.Spec(ROWS, FEATURES, CLASSES, 64, 256, 7), data);
        }
        String yaml = """
                apiVersion: spindle.dev/v1
                kind: TrainingJob
                metadata:
                  name: cluster-mlp
                spec:
                  model:
                    architecture: mlp
                    config: {inputs: %d, hidden: [256, 256], classes: %d}
                  data:
                    uri: data
                    schema: tabular
                    tabular: {label: label}
                    shuffleBuffer: 128
                    prefetch: 2
                  optimizer:
                    name: adamw
                    lr: 0.003
                    weightDecay: 0.0
                    schedule: {name: constant}
                  training:
                    steps: %d
                    seed: 5
                    batchSize: %d
                    logInterval: 10
                  checkpoint:
                    everySteps: %d
                    keep: 5
                %s
                """.formatted(FEATURES, CLASSES, steps, GLOBAL_BATCH, everySteps, parallelism.indent(2));
        Path job = dir.resolve("job.yaml");
        Files.writeString(job, yaml, StandardCharsets.UTF_8);
        return job;
    }

    /** Starts {@code spindle train JOB --run-dir ... args} in a child JVM, its output in {@link #log}. */
    ClusterRun start(Path job, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
        command.add("-Dai.djl.offline=true");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SpindleCli.class.getName());
        command.addAll(List.of("train", job.toString(), "--run-dir", runDir.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("SPINDLE_SAMPLE_TRACE", traceDir.toString());
        process = builder.start();
        return this;
    }

    /** Waits for the launcher's exit and returns its code. */
    int await(long seconds) throws Exception {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail("the job did not finish within " + seconds + " s:\n" + output());
        }
        return process.exitValue();
    }

    /**
     * Stops the job as Ctrl-C does (SIGTERM to the launcher): every rank stops at one step and the checkpoint
     * of that step is committed. Returns that step, checked against the metrics.
     */
    long stopGracefully() throws Exception {
        process.destroy();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail("the job did not stop within 180 s of SIGTERM:\n" + output());
        }
        dev.spindle.checkpoint.CheckpointStore store =
                dev.spindle.checkpoint.CheckpointStore.open(runDir.resolve("checkpoints"), 10);
        long last = store.latest().orElseThrow().step();
        // Shards of a step that a generation wrote but never committed (it ended first) may lie beyond the
        // stop: without a manifest they are no checkpoint. Everything up to the stop must verify.
        for (var r : store.verify()) {
            assertTrue(r.valid() || r.step() > last, "only an uncommitted later step may be invalid: " + r);
        }
        long metrics = 0;
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            try {
                metrics = Math.max(metrics, JSON.readTree(line).path("step").asLong());
            } catch (IOException cutShort) {
                // a line cut short: ignore
            }
        }
        assertEquals(metrics, last, "the stop checkpoints the last step trained:\n" + output());
        assertTrue(output().contains("stopped at step " + last), output());
        return last;
    }

    /** The launcher's output, then that of every worker started by hand. */
    String output() throws IOException {
        StringBuilder all = new StringBuilder(Files.exists(log) ? Files.readString(log) : "(no output)");
        for (Process worker : joined.keySet()) {
            all.append("\n--- worker ").append(joined.get(worker)).append(" (")
                    .append(worker.isAlive() ? "running" : "exit " + worker.exitValue()).append(")\n")
                    .append(workerLog(joined.get(worker)));
        }
        return all.toString();
    }

    /** Kills what this run started and is still running: the launcher, its workers, workers started by hand. */
    void destroy() {
        List<ProcessHandle> all = new ArrayList<>();
        if (process != null) {
            process.descendants().forEach(all::add);
            all.add(process.toHandle());
        }
        joined.keySet().forEach(p -> all.add(p.toHandle()));
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // gone or stuck: the temporary folder's removal will say
            }
        }
    }

    /** The run's events, in order. */
    List<JsonNode> events() throws IOException {
        List<JsonNode> events = new ArrayList<>();
        Path file = runDir.resolve("events.jsonl");
        if (!Files.exists(file)) {
            return events;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            try {
                if (!line.isBlank()) {
                    events.add(JSON.readTree(line));
                }
            } catch (IOException cutShort) {
                // the coordinator is still writing it
            }
        }
        return events;
    }

    /** Waits until an event matches, failing (with the job's output) if the job ends or time runs out first. */
    JsonNode awaitEvent(String name, Predicate<JsonNode> match, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            for (JsonNode e : events()) {
                if (name.equals(e.path("event").asText()) && match.test(e)) {
                    return e;
                }
            }
            if (!process.isAlive()) {
                fail("the job ended (exit " + process.exitValue() + ") before event " + name + ":\n" + output());
            }
            Thread.sleep(50);
        }
        fail("no event " + name + " within " + seconds + " s:\n" + output());
        return null;
    }

    /** The pids of the running workers, by worker id, from the launcher's pid files ({@code rank-*} left out). */
    Map<String, Long> workerPids() throws IOException {
        Map<String, Long> pids = new TreeMap<>();
        Path workers = runDir.resolve("workers");
        if (!Files.isDirectory(workers)) {
            return pids;
        }
        try (Stream<Path> files = Files.list(workers)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".pid")
                    && !p.getFileName().toString().startsWith("rank-")).toList()) {
                String name = f.getFileName().toString();
                pids.put(name.substring(0, name.length() - 4), Long.parseLong(Files.readString(f).strip()));
            }
        }
        return pids;
    }

    /**
     * Starts one more worker for this job by hand, as an operator scaling it would: the worker finds the
     * coordinator in the run's {@code cluster.json} and proves membership with the run's secret.
     */
    Process joinWorker(Path job, String workerId, Path secretFile, Path tlsDir) throws Exception {
        return joinWorker(job, workerId, secretFile, tlsDir, List.of());
    }

    /** {@link #joinWorker(Path, String, Path, Path)} with JVM options and more worker options. */
    Process joinWorker(Path job, String workerId, Path secretFile, Path tlsDir, List<String> jvmOptions,
            String... more) throws Exception {
        JsonNode cluster = JSON.readTree(runDir.resolve("cluster.json").toFile());
        var builder = dev.spindle.launcher.local.JavaProcess.builder("dev.spindle.cluster.worker.WorkerMain");
        jvmOptions.forEach(builder::jvmOption);
        Process worker = builder
                .threads(1)
                .environment("SPINDLE_SAMPLE_TRACE", traceDir.toString())
                .args("--worker-id", workerId, "--coordinator", cluster.path("coordinator").asText(),
                        "--job", runDir.resolve("job.yaml").toString(), "--base-dir", job.getParent().toString(),
                        "--run-dir", runDir.toString(), "--secret-file", secretFile.toString(),
                        "--tls-dir", (tlsDir != null ? tlsDir : runDir.resolve(cluster.path("tlsDir").asText())).toString())
                .args(more)
                .build().start();
        worker.getOutputStream().close();
        joined.put(worker, workerId);
        new Thread(() -> drain(worker, dir.resolve(workerId + ".log")), workerId + "-output").start();
        return worker;
    }

    private static void drain(Process process, Path file) {
        try (var out = Files.newOutputStream(file)) {
            var err = process.getErrorStream();
            var std = process.getInputStream();
            Thread t = new Thread(() -> {
                try {
                    std.transferTo(java.io.OutputStream.nullOutputStream());
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            t.start();
            err.transferTo(out);
            t.join();
        } catch (IOException | InterruptedException ignored) {
            // the process ended
        }
    }

    /** What a worker started by {@link #joinWorker} wrote to its stderr. */
    String workerLog(String workerId) throws IOException {
        Path file = dir.resolve(workerId + ".log");
        return Files.exists(file) ? Files.readString(file) : "(no output)";
    }

    static void kill9(long pid) throws Exception {
        // SIGKILL, as kill -9 sends it (ProcessHandle needs no kill binary on the machine).
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no process " + pid));
        assertTrue(process.destroyForcibly(), "SIGKILL to " + pid);
        process.onExit().get(30, TimeUnit.SECONDS);
    }

    /**
     * Checks that the samples that count (for each step, the newest generation that trained it) cover
     * every epoch exactly once: no sample repeated within an epoch, none skipped, and each step saw exactly
     * the global batch.
     *
     * @return the number of generations that traced any step
     */
    int assertExactlyOnce(long steps) throws IOException {
        // step -> generation -> rank -> samples
        Map<Long, TreeMap<Long, TreeMap<Integer, List<String>>>> traced = new TreeMap<>();
        try (Stream<Path> files = Files.list(traceDir)) {
            for (Path f : files.toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode n = JSON.readTree(line);
                    List<String> samples = new ArrayList<>();
                    n.path("samples").forEach(s -> samples.add(s.asText()));
                    traced.computeIfAbsent(n.path("step").asLong(), s -> new TreeMap<>())
                            .computeIfAbsent(n.path("generation").asLong(), g -> new TreeMap<>())
                            .put(n.path("rank").asInt(), samples);
                }
            }
        }
        Set<Long> generations = new HashSet<>();
        List<String> sequence = new ArrayList<>();
        for (long step = 1; step <= steps; step++) {
            TreeMap<Long, TreeMap<Integer, List<String>>> byGeneration = traced.get(step);
            assertTrue(byGeneration != null, "no rank traced step " + step);
            var newest = byGeneration.lastEntry();
            generations.add(newest.getKey());
            int samples = 0;
            for (int rank = 0; rank < newest.getValue().size(); rank++) {
                List<String> part = newest.getValue().get(rank);
                assertTrue(part != null, "generation " + newest.getKey() + " has no rank " + rank + " at step " + step
                        + " (ranks " + newest.getValue().keySet() + ")");
                sequence.addAll(part);
                samples += part.size();
            }
            assertEquals(GLOBAL_BATCH, samples, "samples of step " + step + " in generation " + newest.getKey());
        }
        Set<String> all = new HashSet<>();
        for (int epochStart = 0; epochStart < sequence.size(); epochStart += ROWS) {
            List<String> epoch = sequence.subList(epochStart, Math.min(sequence.size(), epochStart + ROWS));
            Set<String> distinct = new HashSet<>(epoch);
            assertEquals(epoch.size(), distinct.size(), "a sample repeats within epoch " + epochStart / ROWS);
            all.addAll(distinct);
        }
        if (sequence.size() >= ROWS) {
            assertEquals(ROWS, all.size(), "every row of the dataset is trained on in each epoch");
            assertEquals(all, new HashSet<>(sequence.subList(0, ROWS)), "the first epoch covers every row");
        }
        return generations.size();
    }
}

package dev.spindle.launcher.cli;

import dev.spindle.launcher.RunSummary;
import dev.spindle.launcher.Spindle;
import dev.spindle.launcher.TrainOptions;
import dev.spindle.spec.JobSpec;
import dev.spindle.train.TrainListener;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spindle train job.yaml}: trains a job on this machine. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a job on this machine, with a progress bar on a terminal.")
final class TrainCommand implements Callable<Integer> {

    /** How long a stop request (Ctrl-C, SIGTERM) waits for the step in flight and its checkpoint. */
    private static final long STOP_GRACE_SECONDS = 120;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "JOB", description = "The job spec (YAML).")
    Path jobFile;

    @Option(names = "--set", paramLabel = "PATH=VALUE",
            description = "Override a spec field, e.g. --set spec.training.steps=30 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--run-dir", paramLabel = "DIR",
            description = "Where metrics, the resolved spec and checkpoints go (default runs/<job name>).")
    Path runDir;

    @Option(names = "--resume", description = "Continue from the newest valid checkpoint in the run directory.")
    boolean resume;

    @Option(names = "--stop-at", paramLabel = "STEP",
            description = "Stop after this many steps in all, with a checkpoint (resume later with --resume).")
    Long stopAt;

    @Option(names = "--sample-tokens", paramLabel = "N", defaultValue = "240",
            description = "Tokens of text a language model generates at the end (0 for none; default ${DEFAULT-VALUE}).")
    int sampleTokens;

    @Option(names = "--workers", paramLabel = "N",
            description = "Worker processes on this machine (default: spec.parallelism.data); with more than one,"
                    + " they train data-parallel and this process coordinates them.")
    Integer workers;

    @Override
    public Integer call() throws Exception {
        if (workers != null && workers < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--workers: got " + workers + ", expected a whole number >= 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        JobSpec job = Spindle.load(jobFile, overrides);
        Path dir = runDir != null ? runDir : Path.of("runs", job.metadata().name());
        boolean terminal = System.console() != null;
        Progress progress = terminal
                ? new ProgressBar(out, job.spec().training().logInterval())
                : new PlainLog(out, job.spec().training().logInterval());
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.set(true);
            try {
                finished.await(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "spindle-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            TrainOptions options = TrainOptions.in(dir)
                    .withBaseDirectory(jobFile.toAbsolutePath().getParent())
                    .withResume(resume)
                    .withStopAt(stopAt == null ? Long.MAX_VALUE : stopAt)
                    .withSampleTokens(sampleTokens)
                    .withListeners(List.of(progress, notes(out)))
                    .withStopRequested(stop::get)
                    .withWorkers(workers == null ? 0 : workers);
            out.println("spindle: training " + job.metadata().name() + " (" + job.spec().model().architecture()
                    + ", " + job.spec().training().steps() + " steps) in " + dir);
            out.flush();
            RunSummary summary = Spindle.train(job, options);
            progress.finish();
            report(out, summary, stop.get(), jobFile);
            return SpindleCli.OK;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is already shutting down because of the stop request; the hook is running.
            }
        }
    }

    /** Lines the run wants shown (e.g. LoRA's trainable fraction), as they come. */
    private static TrainListener notes(PrintWriter out) {
        return new TrainListener() {
            @Override
            public void onNote(String line) {
                out.println("spindle: " + line);
                out.flush();
            }
        };
    }

    private static void report(PrintWriter out, RunSummary summary, boolean interrupted, Path jobFile) {
        var result = summary.result();
        out.printf("spindle: %s at step %d, loss %.4f%n",
                interrupted ? "stopped" : result.stoppedEarly() ? "paused" : "finished",
                result.finalStep(), result.finalLoss());
        result.lastCheckpoint().ifPresent(c -> out.println("spindle: checkpoint "
                + summary.checkpointLocation() + "/" + c.directory().getFileName()
                + " (parameters " + c.parametersDigest() + ")"));
        if (result.stoppedEarly()) {
            out.println("spindle: continue with: spindle train " + jobFile + " --resume --run-dir "
                    + summary.runDirectory());
        }
        summary.sample().ifPresent(text -> {
            out.println("spindle: sample from the trained model:");
            out.println(text);
        });
        out.flush();
    }
}

package dev.spindle.launcher.cli;

import dev.spindle.data.DataException;
import dev.spindle.launcher.JobException;
import dev.spindle.launcher.RunFailedException;
import dev.spindle.model.ModelConfigException;
import dev.spindle.spec.SpecException;
import java.io.PrintWriter;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code spindle} command line. Exit codes: 0 done, 1 failed while running, 2 bad input
 * (nothing was trained or changed).
 */
@Command(
        name = "spindle",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Distributed training and fine-tuning of deep-learning models, in Java.",
        subcommands = {
            TrainCommand.class,
            ValidateCommand.class,
            RenderCommand.class,
            DataCommand.class,
            CheckpointsCommand.class,
            AdaptersCommand.class,
            BenchCommand.class,
            SubmitCommand.class,
            StatusCommand.class,
            LogsCommand.class,
            CancelCommand.class,
            ResumeCommand.class,
            ListCommand.class,
            DiffCommand.class,
            CoordinateCommand.class,
            WorkerCommand.class,
            CommandLine.HelpCommand.class
        })
public final class SpindleCli implements Runnable {

    /** Finished as asked. */
    public static final int OK = 0;
    /** Failed while running (storage, native library, a bug). */
    public static final int FAILED = 1;
    /** The input was wrong: a spec, a file, a flag. Nothing was changed. */
    public static final int BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI in this JVM and returns its exit code (for tests and embedding). */
    public static int execute(String... args) {
        return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the CLI in this JVM with its output going to {@code out} and {@code err}. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new SpindleCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(SpindleCli::handle);
        cli.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("spindle: " + e.getMessage() + " (see 'spindle "
                    + e.getCommandLine().getCommandName() + " --help')");
            return BAD_INPUT;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (e instanceof SpecException || e instanceof JobException || e instanceof ModelConfigException
                || e instanceof DataException) {
            err.println("spindle: " + e.getMessage().replace("\n", "\nspindle: "));
            return BAD_INPUT;
        }
        if (e instanceof IllegalArgumentException) {
            err.println("spindle: " + e.getMessage());
            return BAD_INPUT;
        }
        // A run that failed after it started says itself where to resume from.
        err.println("spindle: " + (e instanceof RunFailedException ? e.getMessage() : "failed: " + describe(e)));
        if (Boolean.getBoolean("spindle.debug")) {
            LoggerFactory.getLogger(SpindleCli.class).error("stack trace", e);
        } else {
            err.println("spindle: run with JAVA_OPTS=-Dspindle.debug=true for the stack trace");
        }
        return FAILED;
    }

    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause.getMessage() != null && !cause.getMessage().isBlank()) {  // network causes often have none
                text.append(": ").append(cause.getMessage());
            }
        }
        return text.toString();
    }
}

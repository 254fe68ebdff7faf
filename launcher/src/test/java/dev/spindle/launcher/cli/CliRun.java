package dev.spindle.launcher.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** The spindle CLI run in this JVM, keeping what it printed on each stream (one per test). */
final class CliRun {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** Runs {@code spindle args...}; returns the exit code. */
    int run(String... args) {
        return SpindleCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    String out() {
        return out.toString();
    }

    String err() {
        return err.toString();
    }

    /** Forgets what was printed, for the next run. */
    void clear() {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
    }
}

package dev.spindle.launcher.cli;

import dev.spindle.train.StepMetrics;
import java.io.PrintWriter;

/** A one-line bar redrawn in place, at most ten times a second; evaluations get their own line. */
final class ProgressBar extends Progress {

    private static final int WIDTH = 24;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final int logInterval;
    private long lastDraw;
    private boolean drawn;

    ProgressBar(PrintWriter out, int logInterval) {
        super(out);
        this.logInterval = logInterval;
    }

    @Override
    public void onStep(StepMetrics m) {
        long now = System.nanoTime();
        if (m.hasEvalLoss() || m.step() % logInterval == 0) {
            line(describe(m));
        }
        if (now - lastDraw < REDRAW_NANOS && m.step() < totalSteps) {
            return;
        }
        lastDraw = now;
        int filled = (int) (WIDTH * m.step() / Math.max(1, totalSteps));
        out.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + describe(m) + "\033[K");
        out.flush();
        drawn = true;
    }

    @Override
    void line(String text) {
        out.print((drawn ? "\r\033[K" : "") + text + "\n");
        out.flush();
        drawn = false;
    }

    @Override
    void finish() {
        if (drawn) {
            out.println();
            drawn = false;
        }
    }
}

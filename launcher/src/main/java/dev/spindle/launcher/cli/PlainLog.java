package dev.spindle.launcher.cli;

import dev.spindle.train.StepMetrics;
import java.io.PrintWriter;

/** Plain log lines for pipes and CI: every {@code logInterval} steps, on evaluations and at the end. */
final class PlainLog extends Progress {

    private final int logInterval;

    PlainLog(PrintWriter out, int logInterval) {
        super(out);
        this.logInterval = logInterval;
    }

    @Override
    public void onStep(StepMetrics m) {
        if (m.step() % logInterval == 0 || m.hasEvalLoss() || m.step() == totalSteps || m.step() == startStep + 1) {
            line(describe(m));
        }
    }

    @Override
    void line(String text) {
        out.println("spindle: " + text);
        out.flush();
    }
}

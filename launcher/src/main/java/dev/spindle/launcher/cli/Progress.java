package dev.spindle.launcher.cli;

import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.train.MemoryReport;
import dev.spindle.train.StepMetrics;
import dev.spindle.train.TrainListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows a run's progress: {@link ProgressBar} on a terminal, {@link PlainLog} otherwise. Both
 * format a step the same way; they differ in how often and where they write it.
 */
abstract class Progress implements TrainListener {

    protected final PrintWriter out;
    protected long startStep;
    protected long totalSteps;

    Progress(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void onStart(long start, long total) {
        this.startStep = start;
        this.totalSteps = total;
        if (start > 0) {
            line("resumed at step " + start + " of " + total);
        }
    }

    @Override
    public void onCheckpoint(CheckpointInfo checkpoint) {
        line("checkpoint step " + checkpoint.step() + " committed");
    }

    /** One line per report: once for a single process, once per rank and generation for a cluster. */
    @Override
    public void onMemory(MemoryReport memory) {
        line("memory " + memory.summary());
    }

    /** Ends the display (a terminal bar moves to a fresh line). */
    void finish() {}

    /** Writes a whole line of its own. */
    abstract void line(String text);

    /** "step 120/600 loss 2.3104 lr 3.0e-03 45.2k tok/s 85 ms/step eta 41s". */
    String describe(StepMetrics m) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "step %d/%d loss %.4f", m.step(), totalSteps, m.loss()));
        if (m.hasEvalLoss()) {
            s.append(String.format(Locale.ROOT, " eval %.4f", m.evalLoss()));
        }
        s.append(String.format(Locale.ROOT, " lr %.1e ", m.learningRate()));
        s.append(m.tokensPerSec() > 0 ? rate(m.tokensPerSec()) + " tok/s" : rate(m.samplesPerSec()) + " samples/s");
        s.append(String.format(Locale.ROOT, " %.0f ms/step eta %s", m.stepMillis(),
                duration((totalSteps - m.step()) * m.elapsedSeconds() / Math.max(1, m.step() - startStep))));
        return s.toString();
    }

    static String rate(double perSecond) {
        return perSecond >= 1000
                ? String.format(Locale.ROOT, "%.1fk", perSecond / 1000)
                : String.format(Locale.ROOT, "%.0f", perSecond);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        }
        return s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}

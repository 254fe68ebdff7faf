package dev.spindle.launcher;

import dev.spindle.train.StepMetrics;
import dev.spindle.train.TrainListener;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Follows a {@code metrics.jsonl} that another component appends to (the coordinator of a multi-worker
 * run) and hands each new step to the run's listeners, so the CLI shows a multi-worker run as it shows
 * a single one. Call {@link #poll()} now and then; it reads only complete lines.
 */
final class MetricsFeed {

    private final Path file;
    private final List<TrainListener> listeners;
    private long offset;
    private long lastStep;

    MetricsFeed(Path file, List<TrainListener> listeners, long startStep) {
        this.file = file;
        this.listeners = List.copyOf(listeners);
        this.lastStep = startStep;
    }

    /** Delivers the steps appended since the last call, in order; a step seen before is skipped. */
    void poll() throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        byte[] fresh;
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            if (in.length() < offset) {
                offset = 0; // rewritten (a resume drops the lines after its checkpoint)
            }
            fresh = new byte[(int) Math.min(Integer.MAX_VALUE, in.length() - offset)];
            in.seek(offset);
            in.readFully(fresh);
        }
        int end = lastNewline(fresh);
        if (end < 0) {
            return;
        }
        offset += end + 1;
        for (String line : new String(fresh, 0, end, StandardCharsets.UTF_8).split("\n")) {
            StepMetrics m = MetricsFile.parse(line);
            if (m != null && m.step() > lastStep) {
                lastStep = m.step();
                listeners.forEach(l -> l.onStep(m));
            }
        }
    }

    private static int lastNewline(byte[] bytes) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}

package dev.spindle.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The child JVM of {@link CheckpointCrashIT}: saves checkpoints of {@code floats} float32 values
 * per tensor file, one step after another, until it is killed. Every value of step {@code s}'s
 * parameter is {@code s} and of its optimizer state {@code -s}, so the parent can check contents.
 */
public final class CheckpointWriterProcess {

    private CheckpointWriterProcess() {}

    /** Arguments: store directory, first step, floats per tensor. */
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: CheckpointWriterProcess <directory> <firstStep> <floats>,"
                    + " got " + args.length + " arguments");
        }
        CheckpointStore store = CheckpointStore.open(Path.of(args[0]), CheckpointCrashIT.KEEP);
        long floats = Long.parseLong(args[2]);
        try (NDManager root = NDManager.newBaseManager()) {
            for (long step = Long.parseLong(args[1]); ; step++) {
                long started = System.nanoTime();
                try (NDManager scratch = root.newSubManager()) {
                    NDArray weight = scratch.full(new Shape(floats), (float) step);
                    NDArray moment = scratch.full(new Shape(floats), (float) -step);
                    store.save(Map.of("weight", weight), Map.of("adamw.m.weight", moment),
                            new TrainState(step, 1L, "crash-test", TrainState.EMPTY_CURSOR, 1.0 / (step + 1)));
                }
                System.out.println("saved step " + step + " in " + (System.nanoTime() - started) / 1_000_000 + " ms");
            }
        }
    }
}

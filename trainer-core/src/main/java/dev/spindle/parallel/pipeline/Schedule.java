package dev.spindle.parallel.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * The order in which a pipeline stage runs the forward and backward passes of one step's
 * micro-batches.
 *
 * <ul>
 *   <li>{@link #GPIPE}: every forward, then every backward. Simple, and a stage holds the
 *       activations of all M micro-batches at once.</li>
 *   <li>{@link #ONE_F_ONE_B}: stage p runs {@code P - 1 - p} forwards to fill the pipeline, then
 *       alternates one forward and one backward, then drains the remaining backwards. The bubble is the
 *       same, {@code (P - 1) / (M + P - 1)} of the step, but a stage never holds more than
 *       {@code P - p} micro-batches' activations.</li>
 * </ul>
 *
 * <pre>{@code
 * List<Schedule.Action> plan = Schedule.ONE_F_ONE_B.actions(4, 1, 8);   // stage 1 of 4, 8 micro-batches
 * }</pre>
 */
public enum Schedule {
    GPIPE,
    ONE_F_ONE_B;

    /** One pass of one micro-batch. */
    public record Action(boolean forward, int microBatch) {
        @Override
        public String toString() {
            return (forward ? "F" : "B") + microBatch;
        }
    }

    /**
     * Stage {@code stage}'s actions for {@code microBatches} micro-batches on {@code stages} stages. Every
     * stage runs the micro-batches' forwards in order and their backwards in order, so the messages
     * between two neighbours arrive in the order they are awaited.
     */
    public List<Action> actions(int stages, int stage, int microBatches) {
        if (stages < 1 || stage < 0 || stage >= stages || microBatches < 1) {
            throw new IllegalArgumentException("schedule: got stage " + stage + " of " + stages + " with "
                    + microBatches + " micro-batches, expected 0 <= stage < stages and microBatches >= 1");
        }
        List<Action> actions = new ArrayList<>(2 * microBatches);
        int warmup = this == GPIPE ? microBatches : Math.min(stages - 1 - stage, microBatches);
        int forwards = 0;
        int backwards = 0;
        while (forwards < warmup) {
            actions.add(new Action(true, forwards++));
        }
        while (forwards < microBatches) {
            actions.add(new Action(true, forwards++));
            actions.add(new Action(false, backwards++));
        }
        while (backwards < microBatches) {
            actions.add(new Action(false, backwards++));
        }
        return List.copyOf(actions);
    }

    /** The most micro-batches whose activations stage {@code stage} holds at once under this schedule. */
    public int inFlight(int stages, int stage, int microBatches) {
        int held = 0;
        int peak = 0;
        for (Action action : actions(stages, stage, microBatches)) {
            held += action.forward() ? 1 : -1;
            peak = Math.max(peak, held);
        }
        return peak;
    }

    /** The idle fraction of a balanced pipeline under either schedule: {@code (P - 1) / (M + P - 1)}. */
    public static double idealBubble(int stages, int microBatches) {
        return (stages - 1.0) / (microBatches + stages - 1.0);
    }
}

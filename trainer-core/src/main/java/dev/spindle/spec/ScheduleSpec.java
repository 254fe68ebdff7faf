package dev.spindle.spec;

import java.util.List;

/**
 * The learning-rate schedule: linear warm-up from 0 over {@code warmupSteps}, then constant, cosine or
 * linear decay to {@code minLrRatio * lr} at the last step.
 *
 * <pre>{@code
 * ScheduleSpec s = new ScheduleSpec(ScheduleSpec.COSINE, 100, 0.1);
 * }</pre>
 */
public record ScheduleSpec(String name, int warmupSteps, double minLrRatio) {

    public static final String CONSTANT = "constant";
    public static final String COSINE = "cosine";
    public static final String LINEAR = "linear";

    public static final String DEFAULT_NAME = CONSTANT;
    public static final int DEFAULT_WARMUP_STEPS = 0;
    public static final double DEFAULT_MIN_LR_RATIO = 0.0;

    static final String PATH = "spec.optimizer.schedule";

    // Before DEFAULT: building DEFAULT runs the constructor, which reads NAMES.
    private static final List<String> NAMES = List.of(CONSTANT, COSINE, LINEAR);

    /** Constant learning rate, no warm-up. */
    public static final ScheduleSpec DEFAULT = new ScheduleSpec(DEFAULT_NAME, DEFAULT_WARMUP_STEPS, DEFAULT_MIN_LR_RATIO);

    public ScheduleSpec {
        name = name == null ? DEFAULT_NAME : name;
        Checks c = new Checks(PATH);
        c.oneOf("name", name, NAMES);
        c.atLeast("warmupSteps", warmupSteps, 0);
        c.fraction("minLrRatio", minLrRatio, true);
        c.throwIfAny();
    }
}

package dev.spindle.spec;

import java.util.List;

/**
 * The optimizer and its learning-rate schedule. AdamW reads {@code beta1}, {@code beta2}, {@code eps} and
 * {@code weightDecay}; SGD reads {@code momentum}, {@code nesterov} and {@code weightDecay}.
 *
 * <pre>{@code
 * OptimizerSpec adamw = OptimizerSpec.defaults(OptimizerSpec.ADAMW);
 * }</pre>
 *
 * @param weightDecay decoupled for AdamW, L2 for SGD; the default depends on the optimizer
 *     ({@link #defaultWeightDecay})
 * @param schedule {@code null} means {@link ScheduleSpec#DEFAULT}
 */
public record OptimizerSpec(String name, double lr, double weightDecay, double beta1, double beta2, double eps,
                            double momentum, boolean nesterov, ScheduleSpec schedule) {

    /** Adam with decoupled weight decay. */
    public static final String ADAMW = "adamw";

    /** Stochastic gradient descent, optionally with (Nesterov) momentum. */
    public static final String SGD = "sgd";

    public static final double DEFAULT_LR = 3e-4;
    public static final double DEFAULT_WEIGHT_DECAY_ADAMW = 0.01;
    public static final double DEFAULT_WEIGHT_DECAY_SGD = 0.0;
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPS = 1e-8;
    public static final double DEFAULT_MOMENTUM = 0.0;
    public static final boolean DEFAULT_NESTEROV = false;

    static final String PATH = "spec.optimizer";

    private static final List<String> NAMES = List.of(ADAMW, SGD);

    public OptimizerSpec {
        schedule = schedule == null ? ScheduleSpec.DEFAULT : schedule;
        Checks c = new Checks(PATH);
        c.oneOf("name", name, NAMES);
        c.positive("lr", lr);
        c.nonNegative("weightDecay", weightDecay);
        c.fraction("beta1", beta1, false);
        c.fraction("beta2", beta2, false);
        c.positive("eps", eps);
        c.fraction("momentum", momentum, false);
        // With an unknown name the name's own problem says it all; do not pile a second one on top.
        if (nesterov && NAMES.contains(name) && !(SGD.equals(name) && momentum > 0)) {
            c.fail("nesterov", true, "false unless name is sgd and momentum > 0 (Nesterov needs momentum)");
        }
        c.throwIfAny();
    }

    /** Every field at its default for optimizer {@code name}. */
    public static OptimizerSpec defaults(String name) {
        return new OptimizerSpec(name, DEFAULT_LR, defaultWeightDecay(name), DEFAULT_BETA1, DEFAULT_BETA2,
                DEFAULT_EPS, DEFAULT_MOMENTUM, DEFAULT_NESTEROV, ScheduleSpec.DEFAULT);
    }

    /** 0.01 for AdamW (the usual decoupled decay), 0 for SGD and anything else. */
    public static double defaultWeightDecay(String name) {
        return ADAMW.equals(name) ? DEFAULT_WEIGHT_DECAY_ADAMW : DEFAULT_WEIGHT_DECAY_SGD;
    }
}

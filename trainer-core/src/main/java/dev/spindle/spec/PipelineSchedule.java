package dev.spindle.spec;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The order in which pipeline stages run the micro-batches of one optimizer step
 * ({@code spec.parallelism.schedule}).
 *
 * <pre>{@code
 * PipelineSchedule schedule = PipelineSchedule.named("1f1b").orElseThrow();   // ONE_F_ONE_B
 * }</pre>
 */
public enum PipelineSchedule {

    /** Every micro-batch forward, then every micro-batch backward: simple, holds M micro-batches of activations. */
    GPIPE("gpipe"),

    /** One forward, one backward once the pipeline is full: holds at most P micro-batches of activations. */
    ONE_F_ONE_B("1f1b");

    /** The schedule when the spec names none. */
    public static final PipelineSchedule DEFAULT = ONE_F_ONE_B;

    private final String yamlName;

    PipelineSchedule(String yamlName) {
        this.yamlName = yamlName;
    }

    /** The name in YAML ({@code gpipe}, {@code 1f1b}); also how the resolved spec writes it. */
    @JsonValue
    public String yamlName() {
        return yamlName;
    }

    /** Every YAML name, in declaration order. */
    public static List<String> names() {
        return Arrays.stream(values()).map(PipelineSchedule::yamlName).toList();
    }

    /** The schedule of YAML name {@code name}, or empty if there is none. */
    public static Optional<PipelineSchedule> named(String name) {
        return Arrays.stream(values()).filter(s -> s.yamlName.equals(name)).findFirst();
    }
}

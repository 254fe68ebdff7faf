package dev.spindle.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * How the job is spread over workers: a mesh of {@code data × tensor × pipeline} workers. Each of the
 * {@code data} model replicas is split over {@code tensor} workers within each layer (tensor
 * parallelism) and over {@code pipeline} workers by layers (pipeline stages); every replica takes its
 * slice of every global batch. A pipeline runs {@code microBatches} micro-batches per optimizer step in
 * the order of {@code schedule}.
 *
 * <pre>{@code
 * spec:
 *   parallelism:
 *     data: 2                        # model replicas
 *     tensor: 2                      # workers splitting each layer
 *     pipeline: 2                    # pipeline stages
 *     microBatches: 8                # default: spec.training.gradientAccumulation
 *     schedule: 1f1b                 # or gpipe
 *     stages: [1, 3]                 # blocks per stage; default: balanced by parameter count
 *     collectiveTimeoutSeconds: 60   # a peer silent this long fails the step
 * }</pre>
 *
 * @param data data-parallel model replicas to start with
 * @param tensor workers that split each layer ({@code 1}: none)
 * @param pipeline pipeline stages ({@code 1}: none)
 * @param microBatches micro-batches per optimizer step, or {@code 0} when unset (then
 *     {@code spec.training.gradientAccumulation}; see {@link Spec#microBatches()})
 * @param schedule the pipeline schedule
 * @param stages blocks per pipeline stage, one number per stage; empty to balance the stages by parameter
 *     count
 * @param collectiveTimeoutSeconds seconds a collective waits for a peer before the step fails and the
 *     job regroups
 */
public record ParallelismSpec(int data, int tensor, int pipeline,
                              // unset (0) is left out of the resolved spec, so that it reads back equal
                              @JsonInclude(JsonInclude.Include.NON_DEFAULT) int microBatches,
                              PipelineSchedule schedule, int collectiveTimeoutSeconds,
                              @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Integer> stages) {

    public static final int DEFAULT_DATA = 1;
    public static final int DEFAULT_TENSOR = 1;
    public static final int DEFAULT_PIPELINE = 1;
    /** {@code microBatches} when the spec does not set it. */
    public static final int UNSET_MICRO_BATCHES = 0;
    public static final int DEFAULT_COLLECTIVE_TIMEOUT_SECONDS = 60;

    /** One worker. */
    public static final ParallelismSpec DEFAULT = data(DEFAULT_DATA);

    static final String PATH = "spec.parallelism";

    public ParallelismSpec {
        schedule = schedule == null ? PipelineSchedule.DEFAULT : schedule;
        stages = stages == null ? List.of() : List.copyOf(stages);
        Checks c = new Checks(PATH);
        if (!stages.isEmpty() && (stages.size() != pipeline || stages.stream().anyMatch(n -> n < 1))) {
            c.fail("stages", stages, "one block count >= 1 per pipeline stage (" + pipeline
                    + " numbers), or leave it out to balance the stages by parameter count");
        }
        c.atLeast("data", data, 1);
        c.atLeast("tensor", tensor, 1);
        c.atLeast("pipeline", pipeline, 1);
        if (microBatches < 0) {
            c.fail("microBatches", microBatches, "a whole number >= 1 (or leave it out to use "
                    + TrainingSpec.PATH + ".gradientAccumulation)");
        }
        c.atLeast("collectiveTimeoutSeconds", collectiveTimeoutSeconds, 1);
        if (c.noProblems() && (long) data * tensor * pipeline > Integer.MAX_VALUE) {
            c.fail("data", data, "a mesh of at most " + Integer.MAX_VALUE + " workers (data × tensor × pipeline)");
        }
        c.throwIfAny();
    }

    /** A mesh whose pipeline stages are balanced by parameter count. */
    public ParallelismSpec(int data, int tensor, int pipeline, int microBatches, PipelineSchedule schedule,
                           int collectiveTimeoutSeconds) {
        this(data, tensor, pipeline, microBatches, schedule, collectiveTimeoutSeconds, List.of());
    }

    /** {@code data} workers, each a whole replica; the default schedule and collective timeout. */
    public static ParallelismSpec data(int data) {
        return new ParallelismSpec(data, DEFAULT_TENSOR, DEFAULT_PIPELINE, UNSET_MICRO_BATCHES,
                PipelineSchedule.DEFAULT, DEFAULT_COLLECTIVE_TIMEOUT_SECONDS);
    }

    /** The same mesh with {@code newData} data-parallel replicas. */
    public ParallelismSpec withData(int newData) {
        return new ParallelismSpec(newData, tensor, pipeline, microBatches, schedule, collectiveTimeoutSeconds, stages);
    }

    /** The number of workers: {@code data · tensor · pipeline}. */
    public int worldSize() {
        return data * tensor * pipeline;
    }

    /** The workers of one model replica: {@code tensor · pipeline}. */
    public int modelParallelSize() {
        return tensor * pipeline;
    }
}

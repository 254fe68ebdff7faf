package dev.spindle.cluster.worker;

import dev.spindle.checkpoint.CheckpointSink;
import dev.spindle.cluster.control.Assignment;
import dev.spindle.collective.Collectives;
import dev.spindle.train.TrainListener;
import java.util.function.BooleanSupplier;

/**
 * One generation as a worker trains it: its place in the mesh, the data plane connected for it, where
 * checkpoint shards go (written, then reported to the coordinator, which commits), and what the
 * coordinator should hear about every step.
 *
 * @param assignment rank, world size and the checkpoint to restore
 * @param collectives the data plane of this generation; it fails once the generation is over
 * @param checkpoints writes this rank's shard of a checkpoint and reports it; never commits
 * @param progress receives every step's metrics (sent on to the coordinator)
 * @param stopRequested true once the coordinator asked every rank to stop at the next step
 */
public record Generation(Assignment assignment, Collectives collectives, CheckpointSink checkpoints,
                         TrainListener progress, BooleanSupplier stopRequested) {}

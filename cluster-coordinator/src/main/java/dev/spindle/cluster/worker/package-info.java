/**
 * A worker process: {@link dev.spindle.cluster.worker.WorkerMain} joins the job's cluster and trains the
 * generations the coordinator assigns, through a {@link dev.spindle.cluster.worker.WorkerTraining} that the
 * launcher provides (it knows how a job spec becomes a model).
 */
package dev.spindle.cluster.worker;

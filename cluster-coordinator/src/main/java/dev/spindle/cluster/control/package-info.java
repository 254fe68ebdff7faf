/**
 * The job's control plane on Pekko Cluster (typed): the coordinator node and its {@code JobCoordinator}
 * singleton, the worker node with its blocking API, and the messages between them (JSON records).
 *
 * <pre>{@code
 * CoordinatorNode coordinator = CoordinatorNode.start(coordinatorSettings);     // launcher
 * WorkerNode worker = WorkerNode.join(workerSettings);                         // each worker process
 * Assignment a = worker.awaitAssignment(Duration.ofMinutes(10));
 * }</pre>
 */
package dev.spindle.cluster.control;

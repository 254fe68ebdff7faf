/**
 * Many worker processes training as one job: {@link dev.spindle.cluster.control} is the control plane on
 * Pekko Cluster (the coordinator singleton, registration, generations, failure handling, checkpoint
 * commits), {@link dev.spindle.cluster.dataplane} the collectives between workers over TCP,
 * {@link dev.spindle.cluster.security} the per-job secret and TLS material, and
 * {@link dev.spindle.cluster.worker} a worker process's main loop. See {@code docs/distributed.md}.
 */
package dev.spindle.cluster;

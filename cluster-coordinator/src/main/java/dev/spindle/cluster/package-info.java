/**
 * The Pekko Cluster control plane and the collectives data plane between worker processes.
 * Reserved for the many-workers work; it holds no code yet.
 */
package dev.spindle.cluster;

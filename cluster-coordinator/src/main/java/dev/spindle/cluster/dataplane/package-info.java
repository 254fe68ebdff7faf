/**
 * The data plane: authenticated TCP links between the worker processes of one generation and the
 * {@link dev.spindle.collective.Collectives} over them ({@link dev.spindle.cluster.dataplane.TcpCollectives}).
 * A worker binds a {@link dev.spindle.cluster.dataplane.DataPlaneListener}, registers its
 * {@link dev.spindle.cluster.dataplane.PeerAddress} with the coordinator, and connects each generation's
 * mesh when it gets its assignment.
 */
package dev.spindle.cluster.dataplane;

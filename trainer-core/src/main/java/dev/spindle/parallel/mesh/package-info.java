/**
 * The 3-D mesh of a job with data × tensor × pipeline parallelism: {@link MeshShape} maps world
 * ranks to {@link MeshCoordinate}s (tensor fastest, then data, then pipeline, Megatron's order, so a
 * tensor group is consecutive ranks) and lists each rank's groups; {@link MeshGroups} makes them from
 * the world group with {@link dev.spindle.collective.Collectives#subGroup}.
 */
package dev.spindle.parallel.mesh;

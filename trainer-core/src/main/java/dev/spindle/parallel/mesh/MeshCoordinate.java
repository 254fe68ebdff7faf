package dev.spindle.parallel.mesh;

/**
 * Where a rank sits in the mesh: its data-parallel replica, its tensor-parallel rank and its pipeline
 * stage. Check it against a shape with {@link MeshShape#rank}.
 *
 * <pre>{@code
 * MeshCoordinate c = MeshShape.of(8, 2, 2).coordinate(5);   // data 0, tensor 1, pipeline 1
 * }</pre>
 */
public record MeshCoordinate(int data, int tensor, int pipeline) {

    public MeshCoordinate {
        if (data < 0 || tensor < 0 || pipeline < 0) {
            throw new IllegalArgumentException("mesh coordinates are >= 0, got data=" + data + ", tensor=" + tensor
                    + ", pipeline=" + pipeline);
        }
    }
}

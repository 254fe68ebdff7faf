package dev.spindle.parallel.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class MeshShapeTest {

    private final MeshShape cube = new MeshShape(2, 2, 2);

    @Test
    void ranksOfATwoByTwoByTwoMeshRunTensorFastestThenDataThenPipeline() {
        // (d, t, p) of ranks 0..7, written out by hand from r = p·4 + d·2 + t
        int[][] expected = {{0, 0, 0}, {0, 1, 0}, {1, 0, 0}, {1, 1, 0}, {0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 1}};
        for (int r = 0; r < 8; r++) {
            MeshCoordinate c = cube.coordinate(r);
            assertArrayEquals(expected[r], new int[] {c.data(), c.tensor(), c.pipeline()}, "rank " + r);
            assertEquals(r, cube.rank(c));
        }
        assertEquals(8, cube.worldSize());
        assertEquals(4, cube.modelSize());
    }

    @Test
    void groupsOfATwoByTwoByTwoMeshAreListedInTheirOwnRankOrder() {
        assertArrayEquals(new int[] {4, 5}, cube.tensorGroup(5));
        assertArrayEquals(new int[] {6, 7}, cube.tensorGroup(6));
        assertArrayEquals(new int[] {5, 7}, cube.dataGroup(5));
        assertArrayEquals(new int[] {0, 2}, cube.dataGroup(2));
        assertArrayEquals(new int[] {1, 5}, cube.pipelineGroup(5));
        assertArrayEquals(new int[] {2, 6}, cube.pipelineGroup(2));
        assertArrayEquals(new int[] {0, 1, 4, 5}, cube.modelGroup(5));
        assertArrayEquals(new int[] {2, 3, 6, 7}, cube.modelGroup(3));
    }

    @Test
    void everyKindOfGroupPartitionsTheWorldAndPlacesEachRankAtItsCoordinate() {
        for (MeshShape shape : List.of(new MeshShape(2, 2, 2), new MeshShape(3, 2, 1), new MeshShape(1, 4, 3),
                new MeshShape(2, 1, 4), MeshShape.SINGLE)) {
            for (int r = 0; r < shape.worldSize(); r++) {
                MeshCoordinate c = shape.coordinate(r);
                assertEquals(r, shape.rank(c), shape + " rank " + r);
                assertEquals(r, shape.tensorGroup(r)[c.tensor()]);
                assertEquals(r, shape.dataGroup(r)[c.data()]);
                assertEquals(r, shape.pipelineGroup(r)[c.pipeline()]);
                assertEquals(r, shape.modelGroup(r)[c.pipeline() * shape.tensor() + c.tensor()]);
                for (int member : shape.modelGroup(r)) {
                    assertEquals(c.data(), shape.coordinate(member).data(), "a model group is one replica");
                }
            }
            assertPartition(shape, shape::tensorGroup, shape.tensor());
            assertPartition(shape, shape::dataGroup, shape.data());
            assertPartition(shape, shape::pipelineGroup, shape.pipeline());
            assertPartition(shape, shape::modelGroup, shape.modelSize());
        }
    }

    /** Every rank's group has {@code size} members, contains it, and is the same list on all its members. */
    private static void assertPartition(MeshShape shape, IntFunction<int[]> group, int size) {
        Set<List<Integer>> groups = new HashSet<>();
        for (int r = 0; r < shape.worldSize(); r++) {
            int[] members = group.apply(r);
            assertEquals(size, members.length);
            for (int member : members) {
                assertArrayEquals(members, group.apply(member), "rank " + member + " sees the same group as " + r);
            }
            groups.add(Arrays.stream(members).boxed().toList());
        }
        assertEquals(shape.worldSize() / size, groups.size());
    }

    @Test
    void tensorGroupsAreConsecutiveRanks() {
        MeshShape shape = new MeshShape(3, 4, 2);
        for (int r = 0; r < shape.worldSize(); r++) {
            int[] group = shape.tensorGroup(r);
            for (int t = 1; t < group.length; t++) {
                assertEquals(group[0] + t, group[t]);
            }
        }
    }

    @Test
    void ofDerivesTheDataSizeFromTheWorld() {
        assertEquals(new MeshShape(2, 2, 2), MeshShape.of(8, 2, 2));
        assertEquals(new MeshShape(6, 1, 1), MeshShape.of(6, 1, 1));
        assertEquals(new MeshShape(1, 2, 3), MeshShape.of(6, 2, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MeshShape.of(6, 2, 2));
        assertTrue(e.getMessage().contains("a world of 6 ranks") && e.getMessage().contains("multiple of 4"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MeshShape.of(0, 1, 1));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MeshShape.of(4, 0, 1)).getMessage()
                .contains("tensor must be >= 1, got tensor=0"));
    }

    @Test
    void badShapesAndRanksAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new MeshShape(2, 2, 0)).getMessage()
                .contains("pipeline must be >= 1, got pipeline=0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new MeshShape(-1, 2, 1)).getMessage()
                .contains("data must be >= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> cube.coordinate(8)).getMessage()
                .contains("rank 8 is outside the mesh data=2 × tensor=2 × pipeline=2 of 8 ranks (0..7)"));
        assertThrows(IllegalArgumentException.class, () -> cube.tensorGroup(-1));
        assertThrows(IllegalArgumentException.class, () -> cube.rank(new MeshCoordinate(0, 2, 0)));
        assertThrows(IllegalArgumentException.class, () -> new MeshCoordinate(0, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new MeshShape(65536, 65536, 1));
    }
}

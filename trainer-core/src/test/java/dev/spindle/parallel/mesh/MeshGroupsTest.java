package dev.spindle.parallel.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.collective.Collectives;
import dev.spindle.collective.InProcessCollectives;
import dev.spindle.collective.RankThreads;
import dev.spindle.collective.ReduceOp;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A 2 × 2 × 2 mesh over an in-process world of 8 threads. */
class MeshGroupsTest {

    private static final MeshShape SHAPE = new MeshShape(2, 2, 2);

    private final RankThreads threads = new RankThreads();

    @AfterEach
    void stopThreads() {
        threads.close();
    }

    private <T> List<T> all(List<Callable<T>> work) throws Exception {
        return threads.all(work);
    }

    /** The sum of the world ranks of {@code group}: what an all-reduce of each member's rank gives. */
    private static float sum(int[] group) {
        float sum = 0;
        for (int member : group) {
            sum += member;
        }
        return sum;
    }

    @Test
    void eachGroupReducesOverExactlyTheRanksTheShapeLists() throws Exception {
        List<Collectives> world = InProcessCollectives.group(SHAPE.worldSize());
        List<Callable<float[]>> work = new ArrayList<>();
        for (int r = 0; r < SHAPE.worldSize(); r++) {
            Collectives rank = world.get(r);
            work.add(() -> {
                try (MeshGroups mesh = MeshGroups.of(rank, SHAPE)) {
                    float[] sums = new float[4];
                    List<Collectives> groups = List.of(mesh.tensor(), mesh.data(), mesh.pipeline(), mesh.model());
                    for (int g = 0; g < groups.size(); g++) {
                        float[] mine = {rank.rank()};
                        groups.get(g).allReduce(FloatBuffer.wrap(mine), ReduceOp.SUM);
                        sums[g] = mine[0];
                    }
                    MeshCoordinate c = mesh.coordinate();
                    assertEquals(c.tensor(), mesh.tensor().rank());
                    assertEquals(c.data(), mesh.data().rank());
                    assertEquals(c.pipeline(), mesh.pipeline().rank());
                    assertEquals(c.pipeline() * 2 + c.tensor(), mesh.model().rank());
                    return sums;
                }
            });
        }
        List<float[]> sums = all(work);
        for (int r = 0; r < SHAPE.worldSize(); r++) {
            assertArrayEquals(new float[] {sum(SHAPE.tensorGroup(r)), sum(SHAPE.dataGroup(r)),
                    sum(SHAPE.pipelineGroup(r)), sum(SHAPE.modelGroup(r))}, sums.get(r), "rank " + r);
        }
        // the views are closed, the world is not
        List<Callable<Integer>> after = new ArrayList<>();
        world.forEach(rank -> after.add(() -> {
            rank.barrier();
            return rank.rank();
        }));
        assertEquals(SHAPE.worldSize(), all(after).size());
    }

    /**
     * Per rank: the compute thread all-reduces in the tensor group and then the data group while a
     * sender thread passes activations to the next stage on a second pipeline view and the receiver
     * thread takes them on the first.
     */
    @Test
    void aSecondPipelineViewSendsWhileTheFirstReceivesAndTheTensorGroupReduces() throws Exception {
        List<Collectives> world = InProcessCollectives.group(SHAPE.worldSize());
        List<MeshGroups> meshes = new ArrayList<>();
        List<Callable<String>> work = new ArrayList<>();
        int rounds = 100;
        for (int r = 0; r < SHAPE.worldSize(); r++) {
            MeshGroups mesh = MeshGroups.of(world.get(r), SHAPE);
            meshes.add(mesh);
            int stage = mesh.coordinate().pipeline();
            Collectives senders = mesh.newPipelineView();
            int worldRank = r;
            work.add(() -> {
                for (int round = 0; round < rounds; round++) {
                    float[] partial = {round};
                    mesh.tensor().allReduce(FloatBuffer.wrap(partial), ReduceOp.SUM);
                    mesh.data().allReduce(FloatBuffer.wrap(partial), ReduceOp.SUM);
                    assertEquals(4f * round, partial[0]);
                }
                return "computed";
            });
            work.add(() -> {
                for (int round = 0; round < rounds; round++) {
                    senders.send(ByteBuffer.allocate(8).putInt(0, worldRank).putInt(4, round), 1 - stage);
                }
                return "sent";
            });
            work.add(() -> {
                int from = SHAPE.pipelineGroup(worldRank)[1 - stage];
                for (int round = 0; round < rounds; round++) {
                    ByteBuffer got = ByteBuffer.allocate(8);
                    mesh.pipeline().recv(got, 1 - stage);
                    assertEquals(from, got.getInt(0));
                    assertEquals(round, got.getInt(4));
                }
                return "received";
            });
        }
        assertEquals(3 * SHAPE.worldSize(), all(work).size());
        meshes.forEach(MeshGroups::close);
        meshes.forEach(MeshGroups::close);
        assertThrows(IllegalStateException.class, () -> meshes.get(0).tensor().barrier());
        assertThrows(IllegalStateException.class, () -> meshes.get(0).newPipelineView());
    }

    @Test
    void aWorldOfTheWrongSizeIsRefused() {
        Collectives rank = InProcessCollectives.group(6).get(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MeshGroups.of(rank, SHAPE));
        assertTrue(e.getMessage().contains("has 6 ranks but the mesh data=2 × tensor=2 × pipeline=2 needs 8"),
                e.getMessage());
    }

    @Test
    void aSingleRankIsAMeshOfOne() {
        try (MeshGroups mesh = MeshGroups.of(Collectives.single(), MeshShape.SINGLE)) {
            assertEquals(new MeshCoordinate(0, 0, 0), mesh.coordinate());
            float[] x = {3};
            mesh.tensor().allReduce(FloatBuffer.wrap(x), ReduceOp.SUM);
            mesh.data().allReduce(FloatBuffer.wrap(x), ReduceOp.SUM);
            assertEquals(3f, x[0]);
            assertEquals(1, mesh.newPipelineView().worldSize());
        }
    }
}

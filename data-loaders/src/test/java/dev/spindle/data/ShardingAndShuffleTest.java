package dev.spindle.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.spindle.train.BatchSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShardingAndShuffleTest {

    /** Rows per record batch of the two files: 7 units, 40 rows, ids 0..39. */
    private static final int[] FILE_A = {5, 7, 3, 6};
    private static final int[] FILE_B = {8, 4, 7};
    private static final int ROWS = 40;

    private static NDManager manager;

    @TempDir
    Path dir;

    private String uri;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void release() {
        manager.close();
    }

    @BeforeEach
    void data() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        TestDatasets.tabular(data.resolve("a.arrow"), 0, FILE_A);
        TestDatasets.tabular(data.resolve("b.arrows"), 21, FILE_B);
        uri = data.toString();
    }

    private LoaderOptions options(int rank, int worldSize, int shuffle, long seed, boolean loop) {
        return LoaderOptions.tabular(uri, List.of("a"), "y", 1).withShard(rank, worldSize).withShuffleBuffer(shuffle)
                .withSeed(seed).withPrefetch(2).withLoop(loop);
    }

    /** The units (record batches) in global order, each as the set of its row ids. */
    private static List<Set<Integer>> units() {
        List<Set<Integer>> units = new ArrayList<>();
        int id = 0;
        for (int rows : concat(FILE_A, FILE_B)) {
            int first = id;
            units.add(IntStream.range(first, first + rows).boxed().collect(Collectors.toSet()));
            id += rows;
        }
        return units;
    }

    private static int[] concat(int[] a, int[] b) {
        return IntStream.concat(IntStream.of(a), IntStream.of(b)).toArray();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void ranksReadDisjointUnitsThatTogetherCoverTheDatasetOnce(int worldSize) {
        List<Set<Integer>> units = units();
        Set<Integer> seen = new HashSet<>();
        int total = 0;
        for (int rank = 0; rank < worldSize; rank++) {
            List<Integer> rows;
            try (BatchSource s = DataLoaders.open(options(rank, worldSize, 4, 7, false), null)) {
                rows = Drain.labelsUntilEnd(s, manager);
            }
            total += rows.size();
            seen.addAll(rows);
            // rank r reads exactly the units u with u % worldSize == r, whole
            Set<Integer> expected = new TreeSet<>();
            for (int u = rank; u < units.size(); u += worldSize) {
                expected.addAll(units.get(u));
            }
            assertEquals(expected, new TreeSet<>(rows), "rank " + rank + " of " + worldSize);
        }
        assertEquals(ROWS, total, "no row read twice");
        assertEquals(ROWS, seen.size());
    }

    @Test
    void everyEpochOfALoopingLoaderReadsItsShardOnceInANewOrder() {
        Set<Integer> shard = new TreeSet<>();
        List<Set<Integer>> units = units();
        for (int u = 1; u < units.size(); u += 2) {
            shard.addAll(units.get(u));
        }
        try (BatchSource s = DataLoaders.open(options(1, 2, 5, 3, true), null)) {
            List<Integer> epoch0 = Drain.labels(s, manager, shard.size());
            List<Integer> epoch1 = Drain.labels(s, manager, shard.size());
            assertEquals(shard, new TreeSet<>(epoch0));
            assertEquals(shard.size(), new HashSet<>(epoch0).size());
            assertEquals(shard, new TreeSet<>(epoch1));
            assertNotEquals(epoch0, epoch1, "reshuffled per epoch");
        }
    }

    @Test
    void shuffleIsAPermutationFixedByTheSeed() {
        List<Integer> inOrder;
        try (BatchSource s = DataLoaders.open(options(0, 1, 0, 1, false), null)) {
            inOrder = Drain.labelsUntilEnd(s, manager);
        }
        assertEquals(IntStream.range(0, ROWS).boxed().toList(), inOrder, "shuffleBuffer 0 reads in order");
        List<List<Integer>> runs = new ArrayList<>();
        for (long seed : new long[] {11, 11, 12}) {
            try (BatchSource s = DataLoaders.open(options(0, 1, 8, seed, false), null)) {
                runs.add(Drain.labelsUntilEnd(s, manager));
            }
        }
        assertEquals(runs.get(0), runs.get(1), "same seed, same order");
        assertNotEquals(runs.get(0), runs.get(2), "other seed, other order");
        for (List<Integer> run : runs) {
            assertEquals(new TreeSet<>(inOrder), new TreeSet<>(run));
            assertEquals(ROWS, run.size());
            assertNotEquals(inOrder, run);
        }
        assertTrue(ArrowMemory.allocatedBytes() == 0);
    }

    @Test
    void permutationHelperIsAPermutationAndDependsOnItsState() {
        int[] a = IntStream.range(0, 100).toArray();
        int[] b = a.clone();
        ShardPlan.shuffle(a, 1);
        ShardPlan.shuffle(b, 2);
        assertEquals(IntStream.range(0, 100).boxed().collect(Collectors.toSet()),
                IntStream.of(a).boxed().collect(Collectors.toSet()));
        assertNotEquals(IntStream.of(a).boxed().toList(), IntStream.of(b).boxed().toList());
    }
}

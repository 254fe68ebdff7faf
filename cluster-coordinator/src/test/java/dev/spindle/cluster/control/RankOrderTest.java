package dev.spindle.cluster.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RankOrderTest {

    /** A worker named by its host's letter and its number on that host: "a2" is the second on host a. */
    private static String host(String worker) {
        return "host-" + worker.charAt(0);
    }

    private static List<String> arrange(List<String> registered, int size, int block) {
        return RankOrder.arrange(registered, RankOrderTest::host, size, block);
    }

    @Test
    void workersOfOneHostGetConsecutiveRanksWhateverOrderTheyRegisteredIn() {
        List<String> registered = List.of("a1", "b1", "a2", "b2", "a3", "b3", "a4", "b4");

        assertEquals(List.of("a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4"), arrange(registered, 8, 4));
        // Tensor groups of 2 inside model replicas of 4: ranks (0,1), (2,3), ... are each on one host.
        List<String> ranks = arrange(registered, 8, 4);
        for (int r = 0; r < 8; r += 2) {
            assertEquals(host(ranks.get(r)), host(ranks.get(r + 1)), "ranks " + r + " and " + (r + 1));
        }
    }

    @Test
    void aShrunkWorldTakesTheHostThatStillHoldsAWholeReplica() {
        // Host a lost a worker: 3 on a, 4 on b, a world of 4 with model-parallel size 4.
        List<String> registered = List.of("a1", "b1", "a2", "b2", "a3", "b3", "b4");

        assertEquals(List.of("b1", "b2", "b3", "b4"), arrange(registered, 4, 4));
    }

    @Test
    void wholeBlocksComeFirstSoTheyStartAtAMultipleOfTheBlock() {
        // a: 5, b: 4, c: 3; a world of 12 in blocks of 4 has one block that must span hosts; it is the last.
        List<String> registered = List.of("a1", "a2", "a3", "a4", "a5", "b1", "b2", "b3", "b4", "c1", "c2", "c3");

        List<String> ranks = arrange(registered, 12, 4);

        assertEquals(List.of("a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4", "a5", "c1", "c2", "c3"), ranks);
    }

    @Test
    void oneHostKeepsTheRegistrationOrder() {
        List<String> registered = List.of("a3", "a1", "a4", "a2");

        assertEquals(List.of("a3", "a1", "a4"), arrange(registered, 3, 1));
        assertEquals(registered, arrange(registered, 4, 2));
    }

    @Test
    void aWorldOfPartialBlocksIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> arrange(List.of("a1", "a2", "a3", "a4", "a5", "a6", "a7"), 7, 4));

        assertTrue(e.getMessage().contains("a world of 7 ranks in blocks of 4"), e.getMessage());
    }
}

package dev.spindle.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.launcher.local.ChildMain;
import dev.spindle.launcher.local.JavaProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return SpindleCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    private static JavaProcess child(String... actions) {
        return JavaProcess.builder(ChildMain.class.getName()).heap("64m").jvmOption("-XX:TieredStopAtLevel=1")
                .args(actions).build();
    }

    @Test
    void oneRankIsBadInputInOneLine() {
        assertEquals(SpindleCli.BAD_INPUT, run("bench", "allreduce", "--ranks", "1", "--mb", "1"));
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().contains("--ranks: expected >= 2"), err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void sizeOutOfRangeIsBadInput() {
        assertEquals(SpindleCli.BAD_INPUT, run("bench", "allreduce", "--ranks", "2", "--mb", "0"));
        assertTrue(err.toString().contains("--mb: expected 1..1024 MiB, got 0"), err.toString());
    }

    @Test
    void rankZerosJsonLineIsTheResult() throws Exception {
        StringWriter verbose = new StringWriter();
        String line = BenchCommand.runRanks(2, r -> r == 0
                        ? child("out:warming up", "out:{\"impl\":\"spindle\",\"ranks\":2}", "exit:0")
                        : child("out:{\"not\":\"rank 0\"}", "err:rank one here", "exit:0"),
                dir, new PrintWriter(verbose, true));
        assertEquals("{\"impl\":\"spindle\",\"ranks\":2}", line);
        assertTrue(verbose.toString().contains("[rank 0] warming up"), verbose.toString());
        assertTrue(verbose.toString().contains("[rank 1] rank one here"), verbose.toString());
    }

    @Test
    void aFailingRankStopsTheOthersAndNamesItsLastLine() throws Exception {
        Path go = dir.resolve("never");
        BenchCommand.RankFailed failed = assertThrows(BenchCommand.RankFailed.class, () -> BenchCommand.runRanks(3,
                r -> r == 1 ? child("out:starting", "err:connection refused by rank 0", "exit:1")
                        : child("out:waiting", "await:" + go), dir, null));
        assertEquals("rank 1 of 3 exited with code 1: connection refused by rank 0", failed.getMessage());
        assertTrue(Files.notExists(dir.resolve("workers/w0.pid")), "rank 0 outlived the failed group");
    }

    @Test
    void noResultLineIsAFailure() {
        BenchCommand.RankFailed failed = assertThrows(BenchCommand.RankFailed.class,
                () -> BenchCommand.runRanks(2, r -> child("out:nothing to report"), dir, null));
        assertTrue(failed.getMessage().contains("rank 0 exited without printing its result line"), failed.getMessage());
    }
}

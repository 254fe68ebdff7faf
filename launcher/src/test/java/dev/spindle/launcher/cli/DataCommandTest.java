package dev.spindle.launcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spindle data prepare --format} to a file: URI, and {@code data inspect} of both formats. */
class DataCommandTest {

    @TempDir
    Path dir;

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        return SpindleCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    private Path text() throws Exception {
        Path in = Files.createDirectories(dir.resolve("text"));
        StringBuilder sb = new StringBuilder();
        for (int p = 0; p < 300; p++) {
            sb.append("Paragraph ").append(p).append(" of a small corpus for the command line.\n\n");
        }
        Files.writeString(in.resolve("a.txt"), sb.toString());
        return in;
    }

    @Test
    void preparesParquetToAUriAndInspectsItLikeArrow() throws Exception {
        Path in = text();
        String uri = dir.resolve("pq").toUri().toString();
        assertEquals(SpindleCli.OK, run("data", "prepare", in.toString(), "--out", uri, "--format", "parquet",
                "--eval-fraction", "0.1"), err.toString());
        assertTrue(out.toString().startsWith("spindle: prepared parquet dataset from 1 files"), out.toString());
        assertTrue(Files.exists(dir.resolve("pq/train/part-00000.parquet")));

        assertEquals(SpindleCli.OK, run("data", "inspect", uri + "/train"), err.toString());
        String parquet = out.toString();
        assertTrue(parquet.contains("format:   parquet\n"), parquet);
        assertTrue(parquet.contains("columns:\n  tokens: list<Int(32, true)>\n"), parquet);
        assertTrue(parquet.contains("vocab:    257\n"), parquet);
        assertTrue(parquet.contains("files:    1\n"), parquet);

        assertEquals(SpindleCli.OK, run("data", "prepare", in.toString(), "--out", dir.resolve("ar").toString(),
                "--eval-fraction", "0.1"), err.toString());
        assertEquals(SpindleCli.OK, run("data", "inspect", dir.resolve("ar/train").toString()), err.toString());
        String arrow = out.toString();
        assertTrue(arrow.contains("format:   arrow\n"), arrow);
        assertTrue(arrow.contains("columns:\n  tokens: list<Int(32, true)>\n"), arrow);
        assertEquals(line(parquet, "rows:"), line(arrow, "rows:"), "the same documents in both formats");
    }

    @Test
    void inspectRestrictedToAnotherFormatIsBadInputNamingIt() throws Exception {
        Path in = text();
        assertEquals(SpindleCli.OK, run("data", "prepare", in.toString(), "--out", dir.resolve("ar").toString()));
        assertEquals(SpindleCli.BAD_INPUT, run("data", "inspect", dir.resolve("ar/train").toString(), "--format",
                "parquet"));
        assertTrue(err.toString().contains("expected parquet (.parquet) files"), err.toString());
    }

    private static String line(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("none");
    }
}

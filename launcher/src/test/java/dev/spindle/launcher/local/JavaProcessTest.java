package dev.spindle.launcher.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class JavaProcessTest {

    @Test
    void childGetsThreadsHeapEnvironmentAndArguments() throws IOException, InterruptedException {
        JavaProcess child = JavaProcess.builder(ChildMain.class.getName())
                .threads(3)
                .heap("96m")
                .property("spindle.test.value", "a b")
                .environment("SPINDLE_TEST_ENV", "x=y")
                .args("prop:ai.djl.pytorch.num_threads", "prop:ai.djl.pytorch.num_interop_threads",
                        "prop:ai.djl.offline", "prop:spindle.test.value", "env:OMP_NUM_THREADS", "env:DJL_OFFLINE",
                        "env:OPT_OUT_TRACKING", "env:MKL_CBWR", "env:SPINDLE_TEST_ENV", "heap", "args", "out:with space")
                .build();
        Process p = child.start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child did not exit");
        assertEquals(0, p.exitValue(), stderr);
        List<String> lines = stdout.lines().toList();
        assertTrue(lines.contains("ai.djl.pytorch.num_threads=3"), stdout);
        assertTrue(lines.contains("ai.djl.pytorch.num_interop_threads=1"), stdout);
        assertTrue(lines.contains("ai.djl.offline=true"), stdout);
        assertTrue(lines.contains("spindle.test.value=a b"), stdout);
        assertTrue(lines.contains("OMP_NUM_THREADS=3"), stdout);
        assertTrue(lines.contains("DJL_OFFLINE=true"), stdout);
        assertTrue(lines.contains("OPT_OUT_TRACKING=true"), stdout);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("MKL_CBWR=") && !l.equals("MKL_CBWR=null")), stdout);
        assertTrue(lines.contains("SPINDLE_TEST_ENV=x=y"), stdout);
        // -Xmx96m: the JVM reports a little less than the flag (one survivor space), never more.
        int heap = Integer.parseInt(lines.stream().filter(l -> l.startsWith("heap=")).findFirst().orElseThrow()
                .substring("heap=".length()));
        assertTrue(heap > 48 && heap <= 96, stdout);
        assertTrue(lines.contains("args=12"), stdout);
        assertTrue(lines.contains("with space"), stdout);
    }

    @Test
    void commandCarriesFlagsClassPathAndMainClassInOrder() {
        List<String> command = JavaProcess.builder("a.b.Main").args("x", "y").classPath("cp1:cp2").build().command();
        assertTrue(command.get(0).endsWith("/bin/java"), command.toString());
        assertTrue(command.containsAll(JavaProcess.JVM_FLAGS), command.toString());
        int cp = command.indexOf("-cp");
        assertEquals(List.of("-cp", "cp1:cp2", "a.b.Main", "x", "y"), command.subList(cp, command.size()));
    }

    @Test
    void badSettingsNameWhatWasExpected() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JavaProcess.builder("has space"))
                .getMessage().contains("fully qualified"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JavaProcess.builder("a.B").threads(0))
                .getMessage().contains("threads: expected >= 1, got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JavaProcess.builder("a.B").heap("lots"))
                .getMessage().contains("512m"));
    }
}

package dev.spindle.launcher.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
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
    void ownSessionKeepsThePidOfTheJvm() throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "needs Linux /proc");
        Process p = JavaProcess.builder(ChildMain.class.getName()).heap("64m").ownSession(true)
                .args("out:up", "sleep:600000").build().start();
        try {
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertTrue(p.toHandle().info().command().orElse("").endsWith("/java"),
                    "the pid is not the JVM's: " + p.toHandle().info());
            assertEquals(p.pid(), session(p.pid()), "the child is not the leader of a session of its own");
            assertTrue(session(ProcessHandle.current().pid()) != p.pid());
        } finally {
            p.destroyForcibly();
            p.waitFor(60, TimeUnit.SECONDS);
        }
    }

    /** The session id of a process: the 4th field after the command name in /proc/PID/stat. */
    private static long session(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3]);
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

package dev.spindle.cluster.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.cluster.security.JobSecret;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real rank processes: one JVM per rank, as the launcher's {@code spindle bench allreduce} starts them. */
class AllReduceBenchIT {

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        processes.forEach(Process::destroyForcibly);
    }

    /** A started rank, with its stdout and stderr collected and a latch for its "connected" line. */
    private record Rank(Process process, CompletableFuture<String> stdout, StringBuffer stderr, CountDownLatch connected) {}

    private List<Rank> start(int ranks, int mb, int iterations) throws IOException {
        Path secretFile = dir.resolve("job.secret");
        JobSecret.generate().write(secretFile);
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        List<Rank> started = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "-Xmx256m", AllReduceBench.MAIN_CLASS));
            command.addAll(AllReduceBench.args(r, ranks, mb, "127.0.0.1:" + port, secretFile, iterations, 1));
            command.addAll(List.of("--timeout-seconds", "20"));
            Process process = new ProcessBuilder(command).start();
            processes.add(process);
            CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return e.toString();
                }
            });
            StringBuffer stderr = new StringBuffer();
            CountDownLatch connected = new CountDownLatch(1);
            Thread reader = new Thread(() -> {
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = lines.readLine()) != null; ) {
                        stderr.append(line).append('\n');
                        if (line.contains("connected generation")) {
                            connected.countDown();
                        }
                    }
                } catch (IOException ignored) {
                    // the process is gone
                }
            });
            reader.setDaemon(true);
            reader.start();
            started.add(new Rank(process, stdout, stderr, connected));
        }
        return started;
    }

    @Test
    void threeRankProcessesPrintOneJsonLineFromRankZero() throws Exception {
        List<Rank> ranks = start(3, 1, 3);
        for (Rank rank : ranks) {
            assertTrue(rank.process().waitFor(60, TimeUnit.SECONDS), "rank exits");
            assertEquals(0, rank.process().exitValue(), rank.stderr().toString());
        }
        String line = ranks.get(0).stdout().get(10, TimeUnit.SECONDS).strip();
        assertTrue(line.matches("\\{\"impl\":\"spindle\",\"ranks\":3,\"bytes\":1048576,\"seconds\":[0-9.]+,"
                + "\"busBandwidthMBps\":[0-9.]+}"), line);
        assertEquals("", ranks.get(1).stdout().get(10, TimeUnit.SECONDS));
    }

    @Test
    void killingOneRankFailsTheSurvivorsWithALineNamingIt() throws Exception {
        List<Rank> ranks = start(3, 4, 1_000_000);
        for (Rank rank : ranks) {
            assertTrue(rank.connected().await(60, TimeUnit.SECONDS), "connected: " + rank.stderr());
        }
        ranks.get(2).process().destroyForcibly(); // SIGKILL: no goodbye on its sockets but the kernel's
        for (Rank survivor : ranks.subList(0, 2)) {
            assertTrue(survivor.process().waitFor(60, TimeUnit.SECONDS), "survivor exits");
            assertEquals(1, survivor.process().exitValue(), survivor.stderr().toString());
            assertTrue(survivor.stderr().toString().contains("(generation 1)"), survivor.stderr().toString());
        }
        // rank 0 receives from rank 2 in the ring, so it is the one that sees rank 2 go
        assertTrue(ranks.get(0).stderr().toString().contains("rank 2"), ranks.get(0).stderr().toString());
    }
}

package dev.spindle.cluster.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLogTest {

    @TempDir
    Path dir;

    @Test
    void writtenCompletesOnlyAfterEveryLineLoggedBeforeItIsInTheFile() throws Exception {
        RunLog log = new RunLog(dir);
        try {
            for (int i = 0; i < 500; i++) {
                log.event("checkpoint-committed", "step", i);
            }
            log.metric("step", 1);
            log.written().get(10, TimeUnit.SECONDS);
            List<String> events = Files.readAllLines(dir.resolve(RunLog.EVENTS));
            assertEquals(500, events.size());
            assertTrue(events.get(499).contains("\"step\":499"), events.get(499));
            assertEquals(1, Files.readAllLines(dir.resolve(RunLog.METRICS)).size());
        } finally {
            log.close();
        }
        assertTrue(log.written().isDone(), "a closed log has nothing left to write");
    }
}

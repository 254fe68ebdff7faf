package dev.spindle.cluster.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code workers/rank-<r>.pid} in the run directory: which process holds rank r now. A worker writes it
 * when an assignment gives it a rank and removes its own file when its rank changes or it exits, so
 * {@code kill -9 $(cat runs/<job>/workers/rank-1.pid)} reaches the rank meant. (The launcher also keeps
 * {@code workers/<worker id>.pid} for every process it started, rank or not.)
 */
final class RankPidFile {

    private static final Logger LOG = LoggerFactory.getLogger(RankPidFile.class);

    private final Path directory;
    private final String pid = Long.toString(ProcessHandle.current().pid());
    private Path current;

    RankPidFile(Path directory) {
        this.directory = directory;
        Runtime.getRuntime().addShutdownHook(new Thread(this::remove, "spindle-rank-pid"));
    }

    /** This process now holds {@code rank}. */
    synchronized void rank(int rank) {
        Path file = directory.resolve("rank-" + rank + ".pid");
        if (file.equals(current)) {
            return;
        }
        remove();
        try {
            Files.createDirectories(directory);
            Path tmp = Files.createTempFile(directory, ".rank-", ".tmp");
            Files.writeString(tmp, pid + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            current = file;
        } catch (IOException e) {
            LOG.warn("could not write {}: {}", file, e.toString());
        }
    }

    /** Removes this process's file, unless another process has taken the rank over since. */
    synchronized void remove() {
        if (current == null) {
            return;
        }
        try {
            if (Files.exists(current) && Files.readString(current, StandardCharsets.US_ASCII).strip().equals(pid)) {
                Files.delete(current);
            }
        } catch (IOException e) {
            LOG.debug("could not remove {}: {}", current, e.toString());
        }
        current = null;
    }
}

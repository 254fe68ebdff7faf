package dev.spindle.launcher.kube;

import dev.spindle.spec.JobSpec;
import dev.spindle.spec.SpecReader;
import dev.spindle.spec.SpecWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * The job specs this machine submitted, one file per cluster, namespace and job
 * ({@code <dir>/<server>/<namespace>/<job>.yaml}), so that {@code spindle resume} can bring back a job whose
 * objects, and with them the root ConfigMap holding its spec, were deleted by {@code spindle cancel}.
 * The cluster's own copy (the root ConfigMap) is preferred while it exists.
 */
final class JobRecords {

    /** Where records go by default: beside Spindle's other caches. */
    static Path defaultDirectory() {
        String cache = System.getenv("SPINDLE_CACHE_DIR");
        Path base = cache != null && !cache.isBlank() ? Path.of(cache)
                : Path.of(System.getProperty("user.home"), ".cache", "spindle");
        return base.resolve("submitted");
    }

    private final Path directory;

    JobRecords(Path directory) {
        this.directory = directory;
    }

    /** Keeps {@code job} as submitted to {@code namespace} on the cluster at {@code server}. */
    void save(String server, String namespace, JobSpec job) {
        Path file = file(server, namespace, job.metadata().name());
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            Files.writeString(tmp, SpecWriter.toYaml(job), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the submitted job in " + file + ": " + e.getMessage(), e);
        }
    }

    /** The job last submitted under that name, if this machine submitted it. */
    Optional<JobSpec> find(String server, String namespace, String job) {
        Path file = file(server, namespace, job);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(SpecReader.read(Files.readString(file, StandardCharsets.UTF_8), List.of()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Where a record would be (named in messages). */
    Path file(String server, String namespace, String job) {
        String host = server.replaceFirst("^[a-zA-Z]+://", "").replaceAll("[^A-Za-z0-9.-]", "_");
        return directory.resolve(host).resolve(namespace).resolve(job + ".yaml");
    }
}

package dev.spindle.launcher;

import java.net.URI;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Turns the locations a spec names into what the loaders and stores take: URIs with a scheme
 * ({@code file:}, {@code abfss:}) stay as they are; plain paths resolve against the job file's
 * folder, so an example job runs from any working directory.
 */
final class JobPaths {

    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");

    private final Path base;

    JobPaths(Path base) {
        this.base = base.toAbsolutePath().normalize();
    }

    /** The location as a loader takes it; {@code null} stays {@code null}. */
    String resolve(String location) {
        if (location == null || SCHEME.matcher(location).matches()) {
            return location;
        }
        return base.resolve(location).normalize().toString();
    }

    /**
     * A local folder for a location, or a {@link JobException} naming the field if the location
     * is on a file system this build cannot write checkpoints to yet.
     */
    Path localDirectory(String location, String field) {
        String resolved = resolve(location);
        if (resolved.startsWith("file:")) {
            return Path.of(URI.create(resolved));
        }
        if (SCHEME.matcher(resolved).matches()) {
            throw new JobException(field + ": got '" + location + "', expected a local path or a"
                    + " file: URI (remote checkpoint storage is not supported yet)");
        }
        return Path.of(resolved);
    }
}

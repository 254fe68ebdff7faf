package dev.spindle.launcher;

import dev.spindle.data.storage.Storage;
import dev.spindle.data.storage.StorageException;
import java.net.URI;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Turns the locations a spec names into what the loaders and stores take: URIs with a scheme
 * ({@code file:}, {@code abfss:}) stay as they are; plain paths resolve against the job file's
 * folder, so an example job runs from any working directory. Remote URIs are checked once here: no
 * credentials in them, and the ABFS form the driver needs.
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
     * The location as a loader or store takes it, a remote one checked.
     *
     * @throws JobException naming {@code field} if a remote URI carries a credential or is malformed
     */
    String checked(String location, String field) {
        String resolved = resolve(location);
        if (Storage.isRemote(resolved)) {
            try {
                Storage.checkLocation(resolved, field);
            } catch (StorageException e) {
                throw new JobException(e.getMessage());
            }
        }
        return resolved;
    }

    /**
     * A local folder for a location, or a {@link JobException} naming the field if the location is
     * remote and the field needs a local one (text preparation and initial weights read local files).
     */
    Path localDirectory(String location, String field) {
        String resolved = resolve(location);
        if (resolved.startsWith("file:")) {
            return Path.of(URI.create(resolved));
        }
        if (SCHEME.matcher(resolved).matches()) {
            throw new JobException(field + ": got '" + location + "', expected a local path or a file: URI"
                    + " here; prepare or download to a local folder first, then upload or point the job at it");
        }
        return Path.of(resolved);
    }
}

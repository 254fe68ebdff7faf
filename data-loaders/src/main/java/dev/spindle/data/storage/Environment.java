package dev.spindle.data.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where storage settings come from: environment variables, each overridable by a JVM system property of
 * the same name (so an embedding program or a test can configure storage without a child process).
 * Secrets may also come from a file named by {@code NAME_FILE}, the way a Kubernetes secret is mounted.
 *
 * <pre>{@code
 * Environment env = Environment.system();
 * Optional<String> key = env.secret("SPINDLE_AZURE_STORAGE_KEY");   // or SPINDLE_AZURE_STORAGE_KEY_FILE
 * }</pre>
 */
public final class Environment {

    private final Function<String, String> lookup;

    private Environment(Function<String, String> lookup) {
        this.lookup = lookup;
    }

    /** System properties first, then the process environment. */
    public static Environment system() {
        return new Environment(name -> {
            String property = System.getProperty(name);
            return property != null ? property : System.getenv(name);
        });
    }

    /** A fixed set of variables (tests, or settings a program already holds). */
    public static Environment of(Map<String, String> variables) {
        Map<String, String> copy = Map.copyOf(variables);
        return new Environment(copy::get);
    }

    /** The non-blank value of {@code name}, trimmed. */
    public Optional<String> get(String name) {
        String value = lookup.apply(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    /**
     * A secret from {@code name} or, if that is unset, from the file {@code name_FILE} names. The value
     * is never part of an exception message.
     *
     * @throws StorageException if {@code name_FILE} is set but cannot be read
     */
    public Optional<String> secret(String name) {
        Optional<String> direct = get(name);
        if (direct.isPresent()) {
            return direct;
        }
        Optional<String> file = get(name + "_FILE");
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try {
            String content = Files.readString(Path.of(file.get()), StandardCharsets.UTF_8).trim();
            if (content.isEmpty()) {
                throw new StorageException(name + "_FILE names " + file.get() + ", which is empty: put the"
                        + " secret in it or unset " + name + "_FILE");
            }
            return Optional.of(content);
        } catch (IOException e) {
            throw new StorageException(name + "_FILE names " + file.get() + ", which cannot be read ("
                    + e.getClass().getSimpleName() + "): mount the secret there or unset " + name + "_FILE", e);
        }
    }

    /** A positive integer setting, or {@code fallback} when unset. */
    public long positive(String name, long fallback) {
        Optional<String> value = get(name);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value.get());
            if (parsed > 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below, with the same message as a non-positive number
        }
        throw new StorageException(name + ": got '" + value.get() + "', expected a positive whole number"
                + " (unset it for the default " + fallback + ")");
    }

    /** A non-negative integer setting, or {@code fallback} when unset. */
    public int nonNegative(String name, int fallback) {
        Optional<String> value = get(name);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.get());
            if (parsed >= 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new StorageException(name + ": got '" + value.get() + "', expected a whole number >= 0"
                + " (unset it for the default " + fallback + ")");
    }
}

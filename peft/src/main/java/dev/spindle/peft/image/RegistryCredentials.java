package dev.spindle.peft.image;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import land.oras.auth.AuthProvider;
import land.oras.auth.AuthStore;
import land.oras.auth.AuthStoreAuthenticationProvider;
import land.oras.auth.NoAuthProvider;
import land.oras.auth.UsernamePasswordProvider;

/**
 * Where registry credentials come from, first match wins: the environment variables
 * {@value #USERNAME_VAR} and {@value #PASSWORD_VAR}; then the Docker config file
 * ({@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}: {@code auths} entries and
 * credential helpers, as {@code docker login} or {@code az acr login} write them); else anonymous.
 * Never from a job spec, and the values never appear in any message Spindle writes.
 */
final class RegistryCredentials {

    /** The user name for every registry Spindle talks to. */
    static final String USERNAME_VAR = "SPINDLE_REGISTRY_USERNAME";
    /** Its password or token. */
    static final String PASSWORD_VAR = "SPINDLE_REGISTRY_PASSWORD";
    /** Docker's variable for the directory holding config.json. */
    static final String DOCKER_CONFIG_VAR = "DOCKER_CONFIG";
    /** The Docker config's file name. */
    static final String DOCKER_CONFIG_FILE = "config.json";

    private RegistryCredentials() {}

    /** The provider for the given environment and home directory. */
    static AuthProvider resolve(Map<String, String> env, Path home) {
        String user = blankToNull(env.get(USERNAME_VAR));
        String password = blankToNull(env.get(PASSWORD_VAR));
        if (user != null && password != null) {
            return new UsernamePasswordProvider(user, password);
        }
        if (user != null || password != null) {
            // Name the variable that is missing, never the value of the one that is set.
            throw new IllegalArgumentException((user == null ? USERNAME_VAR : PASSWORD_VAR) + " is not set but "
                    + (user == null ? PASSWORD_VAR : USERNAME_VAR) + " is: set both, or neither to use the Docker"
                    + " config file");
        }
        List<Path> configs = new ArrayList<>();
        String dockerConfig = blankToNull(env.get(DOCKER_CONFIG_VAR));
        Path file = dockerConfig != null
                ? Path.of(dockerConfig, DOCKER_CONFIG_FILE)
                : home.resolve(".docker").resolve(DOCKER_CONFIG_FILE);
        if (Files.isRegularFile(file)) {
            configs.add(file);
        }
        return configs.isEmpty()
                ? new NoAuthProvider()
                : new AuthStoreAuthenticationProvider(AuthStore.newStore(configs));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}

package dev.spindle.checkpoint;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link CheckpointStore#verify()} found in one step directory.
 *
 * <pre>{@code
 * store.verify().stream().filter(r -> !r.valid())
 *         .forEach(r -> System.err.println(r.directory() + ": " + r.problems()));
 * }</pre>
 *
 * @param step the step named by the directory
 * @param valid whether the checkpoint is whole: manifest readable, every file present with its size and SHA-256
 * @param problems one line per defect, each naming the file; empty exactly when {@code valid}
 */
public record VerifyResult(long step, Path directory, boolean valid, List<String> problems) {

    public VerifyResult {
        if (directory == null) {
            throw new IllegalArgumentException("VerifyResult.directory is null");
        }
        problems = List.copyOf(problems);
        if (valid != problems.isEmpty()) {
            throw new IllegalArgumentException("VerifyResult.valid=" + valid + " contradicts problems " + problems);
        }
    }
}

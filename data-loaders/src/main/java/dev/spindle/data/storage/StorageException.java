package dev.spindle.data.storage;

import dev.spindle.data.DataException;

/**
 * Storage is misconfigured or failed for good (a missing credential, 403, 404, a corrupted file, retries
 * exhausted). The message is one line naming the URI or setting and the cause; it never holds a secret.
 *
 * <pre>{@code
 * try {
 *     CheckpointStore store = Storage.checkpoints("abfss://ckpt@acct.dfs.core.windows.net/run-7", 3);
 * } catch (StorageException e) {
 *     System.err.println("spindle: " + e.getMessage());
 * }
 * }</pre>
 */
public class StorageException extends DataException {

    private static final long serialVersionUID = 1L;

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}

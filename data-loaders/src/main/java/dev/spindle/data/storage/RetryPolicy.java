package dev.spindle.data.storage;

import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import org.apache.hadoop.fs.azurebfs.contracts.exceptions.AbfsRestOperationException;

/**
 * When to try a storage read again: transient errors (throttling 503/429, 500, 408, a reset or refused
 * connection, a timeout) are retried with exponential back-off and full jitter, so many workers hitting
 * one throttled account do not retry in lock step; permanent ones (404, 403, 401, 400, a truncated or
 * corrupted file) are not, because trying again cannot fix them.
 *
 * <pre>{@code
 * RetryPolicy retry = RetryPolicy.DEFAULT;
 * for (int attempt = 1; ; attempt++) {
 *     try { return read(); }
 *     catch (IOException e) {
 *         if (!RetryPolicy.isTransient(e) || attempt >= retry.maxAttempts()) throw e;
 *         Thread.sleep(retry.backoff(attempt).toMillis());
 *     }
 * }
 * }</pre>
 *
 * @param maxAttempts tries in all, the first included
 * @param initialBackoff the cap of the first wait; it doubles with every attempt
 * @param maxBackoff the cap of any wait
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    /** About 2 minutes of trying in all: rides out an emulator or gateway restart, not a dead account. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(10, Duration.ofMillis(250), Duration.ofSeconds(30));

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("RetryPolicy.maxAttempts must be >= 1, got " + maxAttempts);
        }
        if (initialBackoff == null || initialBackoff.isNegative() || maxBackoff == null
                || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("RetryPolicy back-off must satisfy 0 <= initialBackoff <= maxBackoff,"
                    + " got initialBackoff=" + initialBackoff + ", maxBackoff=" + maxBackoff);
        }
    }

    /** The wait before attempt {@code attempt + 1}: uniform in [0, min(max, initial * 2^(attempt-1))]. */
    public Duration backoff(int attempt) {
        long cap = initialBackoff.toMillis() << Math.min(30, Math.max(0, attempt - 1));
        cap = Math.min(maxBackoff.toMillis(), cap < 0 ? Long.MAX_VALUE : cap);
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(cap + 1));
    }

    /** Whether trying again may succeed; looks through the cause chain. */
    public static boolean isTransient(Throwable error) {
        // ABFS reports a request that got no HTTP response at all (reset while sending, broken pipe)
        // with status -1: a network failure, worth retrying unless a cause further down says otherwise.
        boolean noResponse = false;
        for (Throwable e = error; e != null; e = e.getCause()) {
            if (e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)) {
                return false;
            }
            if (e instanceof FileNotFoundException || e instanceof AccessDeniedException
                    || e instanceof EOFException || e instanceof UnknownHostException) {
                return false;
            }
            if (e instanceof AbfsRestOperationException rest) {
                int status = rest.getStatusCode();
                if (status > 0) {
                    return status == 408 || status == 429 || status >= 500;
                }
                noResponse = true;
            }
            if (e instanceof SocketException || e instanceof SocketTimeoutException
                    || e instanceof ConnectException || e instanceof TimeoutException) {
                return true;
            }
            if (e.getCause() == e) {
                break;
            }
        }
        return noResponse;
    }

    /** A one-line cause for messages: the innermost exception's type and message. */
    public static String cause(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : ": " + root.getMessage().lines().findFirst().orElse("");
        return root.getClass().getSimpleName() + message;
    }
}

package dev.spindle.data.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.apache.hadoop.fs.azurebfs.contracts.exceptions.AbfsRestOperationException;
import org.junit.jupiter.api.Test;

class StorageTest {

    @Test
    void remoteMeansASchemeOtherThanFile() {
        assertTrue(Storage.isRemote("abfss://c@a.dfs.core.windows.net/x"));
        assertFalse(Storage.isRemote("file:/tmp/x"));
        assertFalse(Storage.isRemote("/tmp/x"));
        assertFalse(Storage.isRemote("runs/x"));
    }

    @Test
    void credentialsInAUriAreRefusedWithoutEchoingThem() {
        StorageException sas = assertThrows(StorageException.class, () -> Storage.checkLocation(
                "abfss://c@acct.dfs.core.windows.net/run?sv=2024-01-01&sig=SECRETSIGNATURE", "spec.checkpoint.uri"));
        assertTrue(sas.getMessage().startsWith("spec.checkpoint.uri: the URI carries what looks like a SAS token"),
                sas.getMessage());
        assertFalse(sas.getMessage().contains("SECRETSIGNATURE"), sas.getMessage());

        StorageException password = assertThrows(StorageException.class, () -> Storage.checkLocation(
                "abfss://c:SECRETKEY@acct.dfs.core.windows.net/run", "spec.data.uri"));
        assertFalse(password.getMessage().contains("SECRETKEY"), password.getMessage());
    }

    @Test
    void abfsNeedsAContainerAndTheDfsHost() {
        StorageException blob = assertThrows(StorageException.class, () -> Storage.checkLocation(
                "abfss://c@acct.blob.core.windows.net/x", "spec.data.uri"));
        assertTrue(blob.getMessage().contains("not .blob."), blob.getMessage());
        StorageException container = assertThrows(StorageException.class, () -> Storage.checkLocation(
                "abfss://acct.dfs.core.windows.net/x", "spec.data.uri"));
        assertTrue(container.getMessage().contains("the container is missing"), container.getMessage());
        assertEquals("acct.dfs.core.windows.net",
                Storage.checkLocation("abfss://c@acct.dfs.core.windows.net/x", "f").getHost());
    }

    @Test
    void throttlingAndNetworkErrorsAreTransientMissingAndDeniedAreNot() {
        assertTrue(RetryPolicy.isTransient(new AbfsRestOperationException(503, "ServerBusy", "busy", null)));
        assertTrue(RetryPolicy.isTransient(new AbfsRestOperationException(429, "TooManyRequests", "slow", null)));
        assertTrue(RetryPolicy.isTransient(new IOException("wrapped", new SocketException("Connection reset"))));
        assertTrue(RetryPolicy.isTransient(new SocketTimeoutException("Read timed out")));
        assertTrue(RetryPolicy.isTransient(new AbfsRestOperationException(-1, null, "io",
                new ConnectException("Connection refused"))));
        // no HTTP response at all (a request cut while it was being sent): retried
        assertTrue(RetryPolicy.isTransient(new AbfsRestOperationException(-1, null, "io",
                new IOException("Error writing to server"))));
        // ... unless the cause says the address itself is wrong
        assertFalse(RetryPolicy.isTransient(new AbfsRestOperationException(-1, null, "io",
                new java.net.UnknownHostException("nosuchaccount.dfs.core.windows.net"))));
        assertFalse(RetryPolicy.isTransient(new AbfsRestOperationException(404, "BlobNotFound", "gone", null)));
        assertFalse(RetryPolicy.isTransient(new AbfsRestOperationException(403, "AuthenticationFailed", "no", null)));
        assertFalse(RetryPolicy.isTransient(new FileNotFoundException("x")));
        assertFalse(RetryPolicy.isTransient(new EOFException("truncated")));
        assertFalse(RetryPolicy.isTransient(new IOException("checksum error")));
    }

    @Test
    void backOffGrowsExponentiallyWithJitterUpToTheCap() {
        RetryPolicy policy = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofMillis(1000));
        for (int i = 0; i < 200; i++) {
            assertTrue(policy.backoff(1).toMillis() <= 100);
            assertTrue(policy.backoff(3).toMillis() <= 400);
            assertTrue(policy.backoff(30).toMillis() <= 1000);
        }
        long distinct = java.util.stream.IntStream.range(0, 50).mapToLong(i -> policy.backoff(5).toMillis())
                .distinct().count();
        assertTrue(distinct > 10, "jittered: " + distinct + " distinct waits of 50");
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO));
    }
}

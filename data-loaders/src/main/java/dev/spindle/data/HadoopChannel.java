package dev.spindle.data;

import dev.spindle.data.storage.RetryPolicy;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read-only {@link SeekableByteChannel} over a Hadoop {@link FSDataInputStream}, which is what Arrow's
 * readers take. Reads go through a heap array because not every Hadoop stream implements
 * {@code ByteBufferReadable} (the local checksummed file system does not).
 *
 * <p>A transient storage error (throttling, a reset connection, a timeout: {@link RetryPolicy#isTransient})
 * closes the stream, waits with exponential back-off and jitter, opens the file again and resumes at the
 * byte where the read stopped, so an epoch survives a storage hiccup without re-reading anything. A
 * permanent error, or retries used up, fails with one line naming the file and the cause.
 */
final class HadoopChannel implements SeekableByteChannel {

    private static final Logger LOG = LoggerFactory.getLogger(HadoopChannel.class);
    private static final int CHUNK = 1 << 16;

    /** Opens the file's stream, again after a transient error. */
    @FunctionalInterface
    interface Opener {
        FSDataInputStream open() throws IOException;
    }

    private final Opener opener;
    private final String name;
    private final long size;
    private final RetryPolicy retry;
    private FSDataInputStream in;
    private byte[] scratch = new byte[0];
    private long position;
    /** Where {@link #in} is positioned; differs from {@link #position} after a seek, until the next read. */
    private long streamPosition;
    private boolean open = true;

    HadoopChannel(Opener opener, String name, long size, RetryPolicy retry) throws IOException {
        this.opener = opener;
        this.name = name;
        this.size = size;
        this.retry = retry;
        this.in = withRetries("open", opener::open);
    }

    /** A channel on {@code path} of {@code fs}, {@code size} bytes long, with the default retry policy. */
    static HadoopChannel open(FileSystem fs, Path path, long size) throws IOException {
        return new HadoopChannel(() -> fs.open(path), path.toString(), size, RetryPolicy.DEFAULT);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (position >= size) {
            return -1;
        }
        int want = (int) Math.min(dst.remaining(), Math.min(CHUNK, size - position));
        if (want == 0) {
            return 0;
        }
        int n = withRetries("read at byte " + position, () -> readOnce(dst, want));
        if (n > 0) {
            position += n;
            streamPosition = position;
        }
        return n;
    }

    private int readOnce(ByteBuffer dst, int want) throws IOException {
        if (in == null) {
            in = opener.open();
            streamPosition = 0;
        }
        if (streamPosition != position) {
            in.seek(position);
            streamPosition = position;
        }
        int n;
        if (dst.hasArray()) {
            n = in.read(dst.array(), dst.arrayOffset() + dst.position(), want);
            if (n > 0) {
                dst.position(dst.position() + n);
            }
        } else {
            if (scratch.length < want) {
                scratch = new byte[want];
            }
            n = in.read(scratch, 0, want);
            if (n > 0) {
                dst.put(scratch, 0, n);
            }
        }
        return n;
    }

    @FunctionalInterface
    private interface Attempt<T> {
        T run() throws IOException;
    }

    private <T> T withRetries(String what, Attempt<T> attempt) throws IOException {
        for (int tries = 1; ; tries++) {
            try {
                return attempt.run();
            } catch (IOException | RuntimeException e) {
                if (!RetryPolicy.isTransient(e) || tries >= retry.maxAttempts()) {
                    String verdict = RetryPolicy.isTransient(e) ? " (gave up after " + tries + " attempts)" : "";
                    throw new IOException(name + ": " + what + " failed" + verdict + ": " + RetryPolicy.cause(e), e);
                }
                long waitMillis = retry.backoff(tries).toMillis();
                LOG.warn("{}: {} failed ({}), retrying in {} ms (attempt {} of {})", name, what,
                        RetryPolicy.cause(e), waitMillis, tries + 1, retry.maxAttempts());
                discardStream();
                sleep(waitMillis);
            }
        }
    }

    /** Drops the failed stream; the next attempt opens a fresh one and seeks it to {@link #position}. */
    private void discardStream() {
        FSDataInputStream old = in;
        in = null;
        if (old != null) {
            try {
                old.close();
            } catch (IOException | RuntimeException e) {
                LOG.debug("{}: closing the failed stream: {}", name, e.toString());
            }
        }
    }

    private static void sleep(long millis) throws InterruptedIOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry a storage read");
        }
    }

    @Override
    public int write(ByteBuffer src) {
        throw new NonWritableChannelException();
    }

    @Override
    public long position() throws IOException {
        ensureOpen();
        return position;
    }

    @Override
    public SeekableByteChannel position(long newPosition) throws IOException {
        ensureOpen();
        if (newPosition < 0) {
            throw new IllegalArgumentException("position must be >= 0, got " + newPosition);
        }
        // Hadoop streams refuse to seek past the end; reads there simply see end-of-stream. The seek itself
        // happens at the next read, inside the retry loop.
        position = newPosition;
        return this;
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return size;
    }

    @Override
    public SeekableByteChannel truncate(long newSize) {
        throw new NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() throws IOException {
        if (open) {
            open = false;
            if (in != null) {
                in.close();
            }
        }
    }

    private void ensureOpen() throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
    }
}

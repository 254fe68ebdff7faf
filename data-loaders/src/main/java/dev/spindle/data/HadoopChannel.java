package dev.spindle.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import org.apache.hadoop.fs.FSDataInputStream;

/**
 * A read-only {@link SeekableByteChannel} over a Hadoop {@link FSDataInputStream}, which is what Arrow's
 * readers take. Reads go through a heap array because not every Hadoop stream implements
 * {@code ByteBufferReadable} (the local checksummed file system does not).
 */
final class HadoopChannel implements SeekableByteChannel {

    private static final int CHUNK = 1 << 16;

    private final FSDataInputStream in;
    private final long size;
    private byte[] scratch = new byte[0];
    private long position;
    private boolean open = true;

    HadoopChannel(FSDataInputStream in, long size) {
        this.in = in;
        this.size = size;
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
        if (n > 0) {
            position += n;
        }
        return n;
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
        if (newPosition != position) {
            // Hadoop streams refuse to seek past the end; reads there must simply see end-of-stream.
            in.seek(Math.min(newPosition, size));
            position = newPosition;
        }
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
            in.close();
        }
    }

    private void ensureOpen() throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
    }
}

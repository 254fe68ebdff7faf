package dev.spindle.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.spindle.data.storage.Storage;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HadoopChannelTest {

    @TempDir
    Path dir;

    @Test
    void readsSeeksAndEndsLikeAFileChannel() throws Exception {
        byte[] data = new byte[200_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        Path file = Files.write(dir.resolve("blob.bin"), data);
        org.apache.hadoop.fs.Path p = Storage.hadoopPath(file.toString());
        FileSystem fs = DatasetFiles.fileSystem(p);
        HadoopChannel channel = HadoopChannel.open(fs, p, data.length);
        try (channel) {
            assertEquals(data.length, channel.size());
            // a direct buffer takes the copying path, a heap buffer the array path
            for (ByteBuffer buf : new ByteBuffer[] {ByteBuffer.allocateDirect(150_000), ByteBuffer.allocate(150_000)}) {
                channel.position(1000);
                while (buf.hasRemaining() && channel.read(buf) > 0) {
                    // read until full
                }
                assertEquals(1000 + 150_000, channel.position());
                byte[] got = new byte[150_000];
                buf.flip().get(got);
                assertArrayEquals(Arrays.copyOfRange(data, 1000, 151_000), got);
            }
            channel.position(data.length - 3);
            ByteBuffer tail = ByteBuffer.allocate(10);
            assertEquals(3, channel.read(tail));
            assertEquals(-1, channel.read(tail));
            channel.position(data.length + 100);
            assertEquals(-1, channel.read(ByteBuffer.allocate(1)), "past the end reads end-of-stream");
        }
        assertFalse(channel.isOpen());
        channel.close();
        assertThrows(ClosedChannelException.class, () -> channel.read(ByteBuffer.allocate(1)));
    }
}

package dev.spindle.data;

import java.io.IOException;
import java.nio.channels.Channels;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A Parquet {@link InputFile} over {@link HadoopChannel}, so that Parquet reads get the same
 * retries as Arrow's: a throttled or reset read is retried with back-off and resumes at its byte
 * offset, and a permanent failure names the file. (parquet-hadoop's own {@code HadoopInputFile}
 * reads the raw {@code FSDataInputStream}, where one reset connection fails the job.)
 */
final class RetryingInputFile implements InputFile {

    private final DatasetFiles.DataFile file;

    RetryingInputFile(DatasetFiles.DataFile file) {
        this.file = file;
    }

    @Override
    public long getLength() {
        return file.bytes();
    }

    @Override
    public SeekableInputStream newStream() throws IOException {
        HadoopChannel channel = HadoopChannel.open(DatasetFiles.fileSystem(file.path()), file.path(), file.bytes());
        return new DelegatingSeekableInputStream(Channels.newInputStream(channel)) {
            @Override
            public long getPos() throws IOException {
                return channel.position();
            }

            @Override
            public void seek(long newPos) throws IOException {
                channel.position(newPos);
            }
        };
    }

    @Override
    public String toString() {
        return file.path().toString();
    }
}

package dev.spindle.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.MessageMetadataResult;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.hadoop.fs.FileSystem;

/**
 * A data file's schema and the byte ranges of its record batches, read from message headers only
 * (the footer for the file format, a header walk that seeks over bodies for the stream format).
 * Both layouts then read a batch the same way: seek to the block and decode one message.
 *
 * @param file the data file
 * @param schema its schema, with custom metadata
 * @param blocks its record batches in file order
 */
record FileIndex(DatasetFiles.DataFile file, Schema schema, List<Block> blocks) {

    /** One record batch: where its message starts, its metadata and body lengths, its row count. */
    record Block(long offset, int metadataLength, long bodyLength, long rows) {
        ArrowBlock arrow() {
            return new ArrowBlock(offset, metadataLength, bodyLength);
        }
    }

    FileIndex {
        blocks = List.copyOf(blocks);
    }

    long rows() {
        return blocks.stream().mapToLong(Block::rows).sum();
    }

    /** Opens a channel on the file; the caller closes it. */
    static HadoopChannel open(DatasetFiles.DataFile file) throws IOException {
        FileSystem fs = DatasetFiles.fileSystem(file.path());
        return HadoopChannel.open(fs, file.path(), file.bytes());
    }

    /** Reads the index of one file; any failure becomes a DataException naming the file. */
    static FileIndex read(DatasetFiles.DataFile file, BufferAllocator allocator) {
        try (HadoopChannel channel = open(file)) {
            return file.format() == DatasetFiles.Format.FILE
                    ? readFileFormat(file, channel, allocator)
                    : readStreamFormat(file, channel);
        } catch (DataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new DataException(file.name() + ": not a readable Arrow IPC " + layout(file)
                    + " (truncated or not Arrow?): " + e.getMessage(), e);
        }
    }

    private static String layout(DatasetFiles.DataFile file) {
        return file.format() == DatasetFiles.Format.FILE ? "file (.arrow/.feather)" : "stream (.arrows)";
    }

    private static FileIndex readFileFormat(DatasetFiles.DataFile file, HadoopChannel channel,
            BufferAllocator allocator) throws IOException {
        Schema schema;
        List<ArrowBlock> arrowBlocks;
        // The reader closes the channel it was given, so it gets its own.
        try (HadoopChannel footerChannel = open(file);
                ArrowFileReader reader = new ArrowFileReader(footerChannel, allocator)) {
            schema = reader.getVectorSchemaRoot().getSchema();
            if (!reader.getDictionaryBlocks().isEmpty()) {
                throw new DataException(file.name() + ": dictionary-encoded columns are not supported;"
                        + " write plain columns");
            }
            arrowBlocks = reader.getRecordBlocks();
        }
        List<Block> blocks = new ArrayList<>(arrowBlocks.size());
        ReadChannel in = new ReadChannel(channel);
        for (ArrowBlock b : arrowBlocks) {
            if (b.getOffset() + b.getMetadataLength() + b.getBodyLength() > file.bytes()) {
                throw truncated(file, b.getOffset());
            }
            channel.position(b.getOffset());
            MessageMetadataResult m = MessageSerializer.readMessage(in);
            if (m == null || m.headerType() != MessageHeader.RecordBatch) {
                throw new DataException(file.name() + ": footer points at offset " + b.getOffset()
                        + " but no record batch starts there (corrupt file)");
            }
            blocks.add(new Block(b.getOffset(), b.getMetadataLength(), b.getBodyLength(), rowsOf(m)));
        }
        return new FileIndex(file, schema, blocks);
    }

    private static FileIndex readStreamFormat(DatasetFiles.DataFile file, HadoopChannel channel) throws IOException {
        ReadChannel in = new ReadChannel(channel);
        checkMessageLength(file, channel);
        MessageMetadataResult first = MessageSerializer.readMessage(in);
        if (first == null || first.headerType() != MessageHeader.Schema) {
            throw new DataException(file.name() + ": an Arrow IPC stream starts with a schema message; none found"
                    + " (empty, truncated or not Arrow)");
        }
        Schema schema = MessageSerializer.deserializeSchema(first);
        List<Block> blocks = new ArrayList<>();
        while (true) {
            long start = channel.position();
            checkMessageLength(file, channel);
            MessageMetadataResult m = MessageSerializer.readMessage(in);
            if (m == null) {
                break;
            }
            long metadataLength = channel.position() - start;
            long bodyLength = m.getMessageBodyLength();
            if (start + metadataLength + bodyLength > file.bytes()) {
                throw truncated(file, start);
            }
            if (m.headerType() == MessageHeader.DictionaryBatch) {
                throw new DataException(file.name() + ": dictionary-encoded columns are not supported;"
                        + " write plain columns");
            }
            if (m.headerType() != MessageHeader.RecordBatch) {
                throw new DataException(file.name() + ": unexpected message type " + m.headerType()
                        + " at offset " + start + "; expected a record batch");
            }
            blocks.add(new Block(start, Math.toIntExact(metadataLength), bodyLength, rowsOf(m)));
            channel.position(start + metadataLength + bodyLength);
        }
        return new FileIndex(file, schema, blocks);
    }

    /**
     * Arrow allocates whatever a message's length prefix says; in a file that is not Arrow that can be
     * gigabytes. The prefix is checked against the file size first.
     */
    private static void checkMessageLength(DatasetFiles.DataFile file, HadoopChannel channel) throws IOException {
        long start = channel.position();
        ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        while (prefix.hasRemaining() && channel.read(prefix) > 0) {
            // read until 8 bytes or end of file
        }
        channel.position(start);
        if (prefix.position() < 4) {
            return;
        }
        long length = prefix.getInt(0);
        if (length == MessageSerializer.IPC_CONTINUATION_TOKEN && prefix.position() == 8) {
            length = prefix.getInt(4);
        }
        if (length < 0 || start + length > file.bytes()) {
            throw new DataException(file.name() + ": not Arrow IPC stream data at offset " + start + " (a message of "
                    + length + " bytes would run past the end of the file of " + file.bytes()
                    + " bytes): truncated or not Arrow");
        }
    }

    private static long rowsOf(MessageMetadataResult m) {
        RecordBatch rb = (RecordBatch) m.getMessage().header(new RecordBatch());
        return rb.length();
    }

    private static DataException truncated(DatasetFiles.DataFile file, long offset) {
        return new DataException(file.name() + ": truncated: the record batch at offset " + offset
                + " runs past the end of the file (" + file.bytes() + " bytes); rewrite the file");
    }
}

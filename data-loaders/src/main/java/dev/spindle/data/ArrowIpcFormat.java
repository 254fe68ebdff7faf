package dev.spindle.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageMetadataResult;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.hadoop.fs.FileSystem;

/**
 * Arrow IPC, both layouts: the <b>file</b> format ({@code .arrow}, {@code .feather}; record batches found
 * through the footer) and the <b>stream</b> format ({@code .arrows}; found by walking the message headers,
 * seeking over the bodies). A unit is one record batch; reading one seeks to its message and decodes it
 * into the loader's capped child allocator, which holds it only while its columns are copied out.
 *
 * <pre>{@code
 * FileIndex index = new ArrowIpcFormat().index(file, allocator);
 * }</pre>
 */
final class ArrowIpcFormat implements DatasetFormat {

    private static final String STREAM_EXTENSION = ".arrows";

    @Override
    public String name() {
        return DatasetFormats.ARROW;
    }

    @Override
    public List<String> extensions() {
        return List.of(".arrow", ".feather", STREAM_EXTENSION);
    }

    private static boolean stream(DatasetFiles.DataFile file) {
        return file.path().getName().toLowerCase(Locale.ROOT).endsWith(STREAM_EXTENSION);
    }

    /** Opens a channel on the file; the caller closes it. */
    static HadoopChannel channel(DatasetFiles.DataFile file) throws IOException {
        FileSystem fs = DatasetFiles.fileSystem(file.path());
        return HadoopChannel.open(fs, file.path(), file.bytes());
    }

    @Override
    public UnitFile open(FileIndex index, BufferAllocator allocator) throws IOException {
        HadoopChannel channel = channel(index.file());
        VectorSchemaRoot root;
        try {
            root = VectorSchemaRoot.create(index.schema(), allocator);
        } catch (RuntimeException e) {
            channel.close();
            throw e;
        }
        return new UnitFile() {
            private ArrowTokenDecoder tokens;
            private ColumnLayout tokensFor;

            @Override
            public ColumnLayout.UnitData read(int block, ColumnLayout layout, int vocabSize) throws IOException {
                FileIndex.Block b = index.blocks().get(block);
                if (layout.kind() == DatasetKind.TOKENS) {
                    if (tokensFor != layout) {
                        tokens = ArrowTokenDecoder.forColumn(index.schema(), layout.tokensColumn());
                        tokensFor = layout;
                    }
                    if (tokens != null) {
                        channel.position(b.offset());
                        ColumnLayout.UnitData fast = tokens.decode(channel, b, index.file().name(),
                                layout.tokensColumn(), vocabSize);
                        if (fast != null) {
                            return fast;
                        }
                    }
                }
                channel.position(b.offset());
                try (ArrowRecordBatch batch = readBatch(channel, allocator, b)) {
                    new VectorLoader(root).load(batch);
                }
                try {
                    return layout.extract(root, index.file().name(), vocabSize);
                } finally {
                    root.clear();
                }
            }

            @Override
            public void close() throws IOException {
                try {
                    root.close();
                } finally {
                    channel.close();
                }
            }
        };
    }

    @Override
    public FileIndex index(DatasetFiles.DataFile file, BufferAllocator allocator) {
        try (HadoopChannel channel = channel(file)) {
            return !stream(file)
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
        return stream(file) ? "stream (.arrows)" : "file (.arrow/.feather)";
    }

    private static FileIndex readFileFormat(DatasetFiles.DataFile file, HadoopChannel channel,
            BufferAllocator allocator) throws IOException {
        Schema schema;
        List<ArrowBlock> arrowBlocks;
        // The reader closes the channel it was given, so it gets its own.
        try (HadoopChannel footerChannel = channel(file);
                ArrowFileReader reader = new ArrowFileReader(footerChannel, allocator)) {
            schema = reader.getVectorSchemaRoot().getSchema();
            if (!reader.getDictionaryBlocks().isEmpty()) {
                throw new DataException(file.name() + ": dictionary-encoded columns are not supported;"
                        + " write plain columns");
            }
            arrowBlocks = reader.getRecordBlocks();
        }
        List<FileIndex.Block> blocks = new ArrayList<>(arrowBlocks.size());
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
            blocks.add(new FileIndex.Block(b.getOffset(), b.getMetadataLength(), b.getBodyLength(), rowsOf(m)));
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
        List<FileIndex.Block> blocks = new ArrayList<>();
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
            blocks.add(new FileIndex.Block(start, Math.toIntExact(metadataLength), bodyLength, rowsOf(m)));
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

    /**
     * Reads one record batch message. Arrow's own block reader leaks its buffer when the read fails (a file
     * truncated after it was indexed), so the buffer is owned here until the batch takes it over.
     */
    private static ArrowRecordBatch readBatch(HadoopChannel channel, BufferAllocator allocator, FileIndex.Block block)
            throws IOException {
        long total = block.metadataLength() + block.bodyLength();
        ArrowBuf buffer = allocator.buffer(total);
        boolean handedOver = false;
        try {
            if (new ReadChannel(channel).readFully(buffer, total) != total) {
                throw new IOException("unexpected end of file: expected " + total + " bytes");
            }
            int prefix = buffer.getInt(0) == MessageSerializer.IPC_CONTINUATION_TOKEN ? 8 : 4;
            ArrowBuf metadata = buffer.slice(prefix, block.metadataLength() - prefix);
            Message message = Message.getRootAsMessage(metadata.nioBuffer().asReadOnlyBuffer());
            if (message.headerType() != MessageHeader.RecordBatch) {
                throw new IOException("expected a record batch message, found type " + message.headerType());
            }
            RecordBatch header = (RecordBatch) message.header(new RecordBatch());
            ArrowBuf body = buffer.slice(block.metadataLength(), block.bodyLength());
            // From here the batch's buffers hold slices, and deserializeRecordBatch releases our reference.
            handedOver = true;
            return MessageSerializer.deserializeRecordBatch(header, body);
        } finally {
            if (!handedOver) {
                buffer.close();
            }
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

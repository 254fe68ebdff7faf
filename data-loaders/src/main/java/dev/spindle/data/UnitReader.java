package dev.spindle.data;

import java.io.IOException;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageSerializer;

/**
 * Reads one unit (record batch) at a time into plain arrays, keeping the current file open while
 * consecutive units come from it. Arrow memory is held only while a batch is being copied out.
 * Used by one thread at a time.
 */
final class UnitReader implements AutoCloseable {

    private final Dataset dataset;
    private final BufferAllocator allocator;
    private int openFile = -1;
    private HadoopChannel channel;
    private VectorSchemaRoot root;

    UnitReader(Dataset dataset, BufferAllocator allocator) {
        this.dataset = dataset;
        this.allocator = allocator;
    }

    ColumnLayout.UnitData read(Dataset.Unit unit) {
        FileIndex index = dataset.files().get(unit.file());
        FileIndex.Block block = index.blocks().get(unit.block());
        try {
            if (openFile != unit.file()) {
                closeFile();
                channel = FileIndex.open(index.file());
                root = VectorSchemaRoot.create(index.schema(), allocator);
                openFile = unit.file();
            }
            channel.position(block.offset());
            try (ArrowRecordBatch batch = readBatch(block)) {
                new VectorLoader(root).load(batch);
            }
            try {
                return dataset.layout().extract(root, index.file().name(), dataset.vocabSize());
            } finally {
                root.clear();
            }
        } catch (IOException e) {
            throw new DataException(index.file().name() + ": cannot read record batch " + unit.block() + " at offset "
                    + block.offset() + " (" + e.getMessage() + "); was the file changed or truncated while training?",
                    e);
        }
    }

    /**
     * Reads one record batch message. Arrow's own block reader leaks its buffer when the read fails (a file
     * truncated after it was indexed), so the buffer is owned here until the batch takes it over.
     */
    private ArrowRecordBatch readBatch(FileIndex.Block block) throws IOException {
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

    private void closeFile() throws IOException {
        if (root != null) {
            root.close();
            root = null;
        }
        if (channel != null) {
            channel.close();
            channel = null;
        }
        openFile = -1;
    }

    @Override
    public void close() {
        try {
            closeFile();
        } catch (IOException e) {
            throw new DataException("cannot close " + (openFile >= 0
                    ? dataset.files().get(openFile).file().name() : "data file") + ": " + e.getMessage(), e);
        }
    }
}

package dev.spindle.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.arrow.flatbuf.Buffer;
import org.apache.arrow.flatbuf.FieldNode;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.vector.TypeLayout;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The token column of an Arrow record batch decoded straight from the message bytes, read into a reused
 * heap buffer: file bytes are copied once into the heap buffer and once into the {@code int[]} the loader
 * keeps, where the general path copies them into Arrow's direct memory first and builds vectors. It
 * handles the common case only: no body compression, no nulls in the list or its values, no variadic
 * buffers; for anything else {@link #decode} returns null and the caller takes the general path, which
 * also produces the error messages.
 *
 * <pre>{@code
 * ArrowTokenDecoder d = ArrowTokenDecoder.forColumn(schema, "tokens");   // null if not decodable here
 * ColumnLayout.UnitData u = d.decode(channel, block, name, "tokens", vocab); // null: the general path
 * }</pre>
 */
final class ArrowTokenDecoder {

    private final int node;
    private final int buffer;
    private ByteBuffer bytes = ByteBuffer.allocate(0);

    private ArrowTokenDecoder(int node, int buffer) {
        this.node = node;
        this.buffer = buffer;
    }

    /** A decoder for {@code column} of {@code schema}: the index of its field node and first buffer. */
    static ArrowTokenDecoder forColumn(Schema schema, String column) {
        int nodes = 0;
        int buffers = 0;
        for (Field f : schema.getFields()) {
            if (f.getName().equals(column)) {
                return new ArrowTokenDecoder(nodes, buffers);
            }
            int[] counts = count(f);
            nodes += counts[0];
            buffers += counts[1];
        }
        return null;
    }

    /** Field nodes and buffers a field takes in a record batch, children included (the IPC format's order). */
    private static int[] count(Field f) {
        int nodes = 1;
        int buffers = TypeLayout.getTypeBufferCount(f.getType());
        for (Field c : f.getChildren()) {
            int[] child = count(c);
            nodes += child[0];
            buffers += child[1];
        }
        return new int[] {nodes, buffers};
    }

    /** Reads the unit's message at the channel's position and decodes the token column; null if not simple. */
    ColumnLayout.UnitData decode(HadoopChannel channel, FileIndex.Block block, String fileName, String column,
            int vocabSize) throws IOException {
        int total = Math.toIntExact(block.metadataLength() + block.bodyLength());
        if (bytes.capacity() < total) {
            bytes = ByteBuffer.allocate(total);
        }
        ByteBuffer in = bytes.clear().limit(total);
        while (in.hasRemaining()) {
            if (channel.read(in) < 0) {
                throw new IOException("unexpected end of file: expected " + total + " bytes");
            }
        }
        ByteBuffer all = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0).limit(total);
        int prefix = all.getInt(0) == MessageSerializer.IPC_CONTINUATION_TOKEN ? 8 : 4;
        ByteBuffer metadata = all.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(prefix)
                .limit(block.metadataLength()).slice().order(ByteOrder.LITTLE_ENDIAN);
        Message message = Message.getRootAsMessage(metadata);
        if (message.headerType() != MessageHeader.RecordBatch) {
            throw new IOException("expected a record batch message, found type " + message.headerType());
        }
        RecordBatch rb = (RecordBatch) message.header(new RecordBatch());
        if (rb.compression() != null || rb.variadicBufferCountsLength() > 0 || rb.nodesLength() < node + 2
                || rb.buffersLength() < buffer + 4) {
            return null;
        }
        FieldNode list = rb.nodes(node);
        FieldNode values = rb.nodes(node + 1);
        int rows = Math.toIntExact(rb.length());
        if (list.nullCount() != 0 || values.nullCount() != 0 || list.length() != rows) {
            return null;
        }
        int body = block.metadataLength();
        Buffer offsetsBuffer = rb.buffers(buffer + 1);
        Buffer dataBuffer = rb.buffers(buffer + 3);
        if (offsetsBuffer.length() < (rows + 1L) * Integer.BYTES
                || offsetsBuffer.offset() + offsetsBuffer.length() > block.bodyLength()) {
            return null;
        }
        int[] raw = new int[rows + 1];
        all.position(body + (int) offsetsBuffer.offset()).slice().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer()
                .get(raw);
        int base = raw[0];
        int count = raw[rows] - base;
        if (base < 0 || count < 0 || (long) (base + count) * Integer.BYTES > dataBuffer.length()
                || dataBuffer.offset() + dataBuffer.length() > block.bodyLength()) {
            return null;
        }
        int[] offsets = new int[rows + 1];
        for (int r = 0; r <= rows; r++) {
            offsets[r] = raw[r] - base;
            if (r > 0 && offsets[r] < offsets[r - 1]) {
                return null;
            }
        }
        int[] tokens = new int[count];
        all.position(body + (int) dataBuffer.offset() + base * Integer.BYTES).slice().order(ByteOrder.LITTLE_ENDIAN)
                .asIntBuffer().get(tokens);
        return ColumnLayout.tokens(rows, offsets, tokens, fileName, vocabSize, column);
    }
}

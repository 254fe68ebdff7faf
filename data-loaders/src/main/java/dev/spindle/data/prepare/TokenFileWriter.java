package dev.spindle.data.prepare;

import dev.spindle.data.ArrowMemory;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writes tokenized documents, through Hadoop's FileSystem (any supported URI), as Arrow IPC files {@code part-00000.arrow, part-00001.arrow, ...} with one
 * {@code tokens: list<int32>} column. Record batches are kept small (record batches are the loader's unit
 * of sharding and shuffling, so a small dataset still spreads over several ranks).
 */
final class TokenFileWriter implements TokenWriter {

    /** A record batch is closed once it holds this many documents (or the writer's token budget). */
    static final int DOCUMENTS_PER_BATCH = 1024;
    /** A new part file starts after this many record batches. */
    static final int BATCHES_PER_FILE = 256;

    private final FileSystem fs;
    private final Path dir;
    private final String column;
    private final Map<String, String> metadata;
    private final BufferAllocator allocator;
    private final int tokensPerBatch;
    private VectorSchemaRoot root;
    private WritableByteChannel channel;
    private ArrowFileWriter writer;
    private int part;
    private int batchesInFile;
    private int rows;
    private int tokensInBatch;

    TokenFileWriter(FileSystem fs, Path dir, String column, Map<String, String> metadata, int tokensPerBatch) {
        this.fs = fs;
        this.dir = dir;
        this.tokensPerBatch = tokensPerBatch;
        this.column = column;
        this.metadata = Map.copyOf(metadata);
        this.allocator = ArrowMemory.child("prepare");
    }

    @Override
    public void add(int[] tokens) throws IOException {
        if (writer == null) {
            startFile();
        }
        ListVector list = (ListVector) root.getVector(column);
        IntVector ids = (IntVector) list.getDataVector();
        int start = list.startNewValue(rows);
        for (int i = 0; i < tokens.length; i++) {
            ids.setSafe(start + i, tokens[i]);
        }
        list.endValue(rows, tokens.length);
        rows++;
        tokensInBatch += tokens.length;
        if (tokensInBatch >= tokensPerBatch || rows >= DOCUMENTS_PER_BATCH) {
            flushBatch();
        }
    }

    private void startFile() throws IOException {
        Field item = new Field("item", FieldType.notNullable(new ArrowType.Int(32, true)), null);
        Field tokens = new Field(column, FieldType.notNullable(new ArrowType.List()), List.of(item));
        root = VectorSchemaRoot.create(new Schema(List.of(tokens), metadata), allocator);
        root.allocateNew();
        Path file = new Path(dir, String.format("part-%05d.arrow", part++));
        channel = Channels.newChannel(fs.create(file, false));
        writer = new ArrowFileWriter(root, null, channel);
        writer.start();
        batchesInFile = 0;
    }

    private void flushBatch() throws IOException {
        if (rows == 0) {
            return;
        }
        root.setRowCount(rows);
        writer.writeBatch();
        root.allocateNew();
        rows = 0;
        tokensInBatch = 0;
        if (++batchesInFile >= BATCHES_PER_FILE) {
            finishFile();
        }
    }

    private void finishFile() throws IOException {
        writer.end();
        writer.close();
        channel.close();
        root.close();
        writer = null;
        channel = null;
        root = null;
    }

    /** Writes the last batch and footer; files exist only once they hold at least one document. */
    @Override
    public void close() throws IOException {
        try {
            if (writer != null) {
                flushBatch();
                if (writer != null) {
                    finishFile();
                }
            }
        } finally {
            if (root != null) {
                root.close();
            }
            allocator.close();
        }
    }
}

package dev.spindle.data;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ArrowWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/** Writes small Arrow datasets for tests; the layout (file or stream) follows the file name. */
final class TestDatasets {

    private TestDatasets() {}

    static Field tokensField(String name, ArrowType itemType) {
        return new Field(name, FieldType.nullable(new ArrowType.List()),
                List.of(new Field("item", FieldType.nullable(itemType), null)));
    }

    /** One record batch per element of {@code batches}; each batch is a list of documents. */
    static Path tokens(Path file, List<List<int[]>> batches, Map<String, String> metadata) throws IOException {
        Schema schema = new Schema(List.of(tokensField("tokens", new ArrowType.Int(32, true))), metadata);
        List<Consumer<VectorSchemaRoot>> fills = new ArrayList<>();
        for (List<int[]> docs : batches) {
            fills.add(root -> {
                ListVector list = (ListVector) root.getVector("tokens");
                IntVector ids = (IntVector) list.getDataVector();
                for (int r = 0; r < docs.size(); r++) {
                    int start = list.startNewValue(r);
                    for (int i = 0; i < docs.get(r).length; i++) {
                        ids.setSafe(start + i, docs.get(r)[i]);
                    }
                    list.endValue(r, docs.get(r).length);
                }
                root.setRowCount(docs.size());
            });
        }
        return write(file, schema, fills);
    }

    /**
     * Tabular rows with ids {@code firstId, firstId+1, ...}: feature {@code a} = id (float32), {@code b} = id / 2
     * (float64), {@code c} = -id (float32), label {@code y} = id (int64), one record batch per entry of
     * {@code batchRows}.
     */
    static Path tabular(Path file, int firstId, int... batchRows) throws IOException {
        Schema schema = new Schema(List.of(
                new Field("a", FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null),
                new Field("y", FieldType.nullable(new ArrowType.Int(64, true)), null),
                new Field("b", FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)), null),
                new Field("c", FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null)));
        List<Consumer<VectorSchemaRoot>> fills = new ArrayList<>();
        int id = firstId;
        for (int rows : batchRows) {
            int first = id;
            fills.add(root -> {
                for (int r = 0; r < rows; r++) {
                    ((Float4Vector) root.getVector("a")).setSafe(r, first + r);
                    ((BigIntVector) root.getVector("y")).setSafe(r, first + r);
                    ((Float8Vector) root.getVector("b")).setSafe(r, (first + r) / 2.0);
                    ((Float4Vector) root.getVector("c")).setSafe(r, -(first + r));
                }
                root.setRowCount(rows);
            });
            id += rows;
        }
        return write(file, schema, fills);
    }

    static Path write(Path file, Schema schema, List<Consumer<VectorSchemaRoot>> batches) throws IOException {
        try (BufferAllocator allocator = ArrowMemory.child("test-writer");
                VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                ArrowWriter writer = file.toString().endsWith(".arrows")
                        ? new ArrowStreamWriter(root, null, channel)
                        : new ArrowFileWriter(root, null, channel)) {
            writer.start();
            for (Consumer<VectorSchemaRoot> fill : batches) {
                root.allocateNew();
                fill.accept(root);
                writer.writeBatch();
            }
            writer.end();
        }
        return file;
    }

    /** Consecutive ids {@code from, from+1, ..., from+n-1}. */
    static int[] range(int from, int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = from + i;
        }
        return a;
    }
}

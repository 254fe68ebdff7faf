package dev.spindle.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The direct token decoder finds its column behind other columns and agrees with Arrow's own vectors. */
class ArrowTokenDecoderTest {

    @TempDir
    Path dir;

    @Test
    void decodesTheTokenColumnBehindOtherColumnsLikeArrowsVectors() throws Exception {
        Schema schema = new Schema(List.of(
                new Field("id", FieldType.nullable(new ArrowType.Int(32, true)), null),
                new Field("title", FieldType.nullable(ArrowType.Utf8.INSTANCE), null),
                TestDatasets.tokensField("tokens", new ArrowType.Int(32, true))), Map.of());
        int[][] docs = {{1, 2, 3}, {}, {4}, {5, 6, 7, 8, 9}};
        Path file = TestDatasets.write(dir.resolve("d.arrow"), schema, List.of(root -> {
            for (int r = 0; r < docs.length; r++) {
                ((IntVector) root.getVector("id")).setSafe(r, r);
                ((VarCharVector) root.getVector("title")).setSafe(r, ("doc " + r).getBytes());
                ListVector list = (ListVector) root.getVector("tokens");
                int start = list.startNewValue(r);
                for (int i = 0; i < docs[r].length; i++) {
                    ((IntVector) list.getDataVector()).setSafe(start + i, docs[r][i]);
                }
                list.endValue(r, docs[r].length);
            }
            root.setRowCount(docs.length);
        }));
        ArrowIpcFormat format = new ArrowIpcFormat();
        try (BufferAllocator allocator = ArrowMemory.child("decoder-test")) {
            DatasetFiles.DataFile f = DatasetFiles.resolve(file.toString()).get(0);
            FileIndex index = format.index(f, allocator);
            ColumnLayout layout = ColumnLayout.resolve(DatasetKind.TOKENS, "tokens", List.of(), null, index);
            ArrowTokenDecoder decoder = ArrowTokenDecoder.forColumn(index.schema(), "tokens");
            assertNotNull(decoder);
            ColumnLayout.UnitData fast;
            try (HadoopChannel channel = ArrowIpcFormat.channel(f)) {
                channel.position(index.blocks().get(0).offset());
                fast = decoder.decode(channel, index.blocks().get(0), f.name(), "tokens", -1);
            }
            assertNotNull(fast, "a plain batch takes the direct path");
            assertEquals(4, fast.rows());
            assertArrayEquals(new int[] {0, 3, 3, 4, 9}, fast.tokenOffsets());
            assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, fast.tokens());

            // The general path: Arrow's own reader and vectors, then the layout's extraction.
            try (HadoopChannel channel = ArrowIpcFormat.channel(f);
                    var reader = new org.apache.arrow.vector.ipc.ArrowFileReader(channel, allocator)) {
                reader.loadNextBatch();
                ColumnLayout.UnitData slow = layout.extract(reader.getVectorSchemaRoot(), f.name(), -1);
                assertArrayEquals(slow.tokenOffsets(), fast.tokenOffsets());
                assertArrayEquals(slow.tokens(), fast.tokens());
            }
        }
    }
}

package dev.spindle.data.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticTabularDatasetTest {

    private static final SyntheticTabularDataset.Spec SMALL = new SyntheticTabularDataset.Spec(2500, 12, 3, 500, 1000, 9);

    @TempDir
    Path dir;

    @Test
    void writesFilesOfBatchesWhoseLabelIsArgmaxOfLeadingFeatures() throws IOException {
        List<Path> files = SyntheticTabularDataset.write(SMALL, dir.resolve("data"));
        assertEquals(3, files.size());
        int rows = 0;
        int[] labelCounts = new int[3];
        try (BufferAllocator allocator = new RootAllocator()) {
            for (Path file : files) {
                try (FileChannel channel = FileChannel.open(file);
                        ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
                    VectorSchemaRoot root = reader.getVectorSchemaRoot();
                    assertEquals(SyntheticTabularDataset.schema(12), root.getSchema());
                    while (reader.loadNextBatch()) {
                        IntVector label = (IntVector) root.getVector("label");
                        for (int row = 0; row < root.getRowCount(); row++) {
                            int best = 0;
                            for (int col = 1; col < 3; col++) {
                                Float4Vector f = (Float4Vector) root.getVector("f" + col);
                                if (f.get(row) > ((Float4Vector) root.getVector("f" + best)).get(row)) {
                                    best = col;
                                }
                            }
                            assertEquals(best, label.get(row), file + " row " + row);
                            labelCounts[best]++;
                        }
                        rows += root.getRowCount();
                    }
                }
            }
        }
        assertEquals(2500, rows);
        for (int count : labelCounts) {
            assertTrue(count > 700, "labels should be roughly balanced over 3 classes: " + count);
        }
    }

    @Test
    void sameSeedGivesSameBytes() throws IOException {
        List<Path> first = SyntheticTabularDataset.write(SMALL, dir.resolve("a"));
        List<Path> second = SyntheticTabularDataset.write(SMALL, dir.resolve("b"));
        for (int i = 0; i < first.size(); i++) {
            assertArrayEquals(Files.readAllBytes(first.get(i)), Files.readAllBytes(second.get(i)));
        }
    }

    @Test
    void fileRowsThatAreNotWholeBatchesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SyntheticTabularDataset.Spec(100, 12, 3, 64, 100, 1));
        assertTrue(e.getMessage().contains("batchRows 64 and fileRows 100"), e.getMessage());
    }
}

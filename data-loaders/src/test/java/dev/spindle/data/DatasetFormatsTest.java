package dev.spindle.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which format reads a file: from the spec's format, else from the extension; unknown ones are refused. */
class DatasetFormatsTest {

    @TempDir
    Path dir;

    @Test
    void extensionsPickTheFormat() {
        assertEquals("arrow", DatasetFormats.forFileName("part-00000.ARROW").name());
        assertEquals("arrow", DatasetFormats.forFileName("x.feather").name());
        assertEquals("arrow", DatasetFormats.forFileName("x.arrows").name());
        assertEquals("parquet", DatasetFormats.forFileName("x.parquet").name());
        assertNull(DatasetFormats.forFileName("x.csv"));
    }

    @Test
    void aMixedDirectoryIsReadWhollyByExtensionOrByOneFormatWhenTheSpecSaysSo() throws Exception {
        Path data = Files.createDirectory(dir.resolve("mixed"));
        TestDatasets.tabular(data.resolve("a.arrow"), 0, 4, 4);
        TestParquet.tabular(data.resolve("b.parquet"), 8, 5, 5);
        Files.writeString(data.resolve("README.md"), "ignored in a directory");
        assertEquals(13, inspect(data.toString(), null).rows());
        assertEquals(List.of("arrow", "parquet"), inspect(data.toString(), null).formats());
        assertEquals(5, inspect(data.toString(), "parquet").rows());
        assertEquals(8, inspect(data.toString(), "arrow").rows());

        DataException none = assertThrows(DataException.class,
                () -> inspect(Files.createDirectory(dir.resolve("only-arrow")).toString(), "parquet"));
        assertTrue(none.getMessage().contains("expected parquet (.parquet) files"), none.getMessage());
    }

    @Test
    void aNamedFileOfAnotherFormatOrExtensionIsRefused() throws Exception {
        Path arrow = TestDatasets.tabular(dir.resolve("a.arrow"), 0, 3);
        DataException other = assertThrows(DataException.class, () -> inspect(arrow.toString(), "parquet"));
        assertTrue(other.getMessage().contains("a.arrow: not a data file name of format parquet (it is arrow)")
                && other.getMessage().contains("spec.data.format"), other.getMessage());
        Path csv = Files.writeString(dir.resolve("a.csv"), "a,y\n1,0\n");
        DataException ext = assertThrows(DataException.class, () -> inspect(csv.toString(), null));
        assertTrue(ext.getMessage().contains("a.csv: not a data file name; expected arrow (.arrow, .feather, .arrows)"
                + " or parquet (.parquet) files"), ext.getMessage());
    }

    @Test
    void unknownFormatNamesAreRefusedNamingTheKnownOnes() {
        IllegalArgumentException option = assertThrows(IllegalArgumentException.class,
                () -> LoaderOptions.tabular("/data", List.of(), "y", 1).withFormat("csv"));
        assertEquals("format: expected one of [arrow, parquet] or null (from the file extension), got \"csv\"",
                option.getMessage());
        DataException name = assertThrows(DataException.class, () -> DatasetFormats.byName("orc"));
        assertEquals("unknown dataset format \"orc\"; expected one of [arrow, parquet]", name.getMessage());
        assertSame(DatasetFormats.byName("parquet"), DatasetFormats.forFileName("x.parquet"));
    }

    @Test
    void theRegistryRejectsDuplicateNamesAndExtensions() {
        DatasetFormats registry = new DatasetFormats().register(new ArrowIpcFormat());
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
                () -> registry.register(new ArrowIpcFormat()));
        assertTrue(name.getMessage().startsWith("dataset format \"arrow\" is already registered"), name.getMessage());
        IllegalArgumentException ext = assertThrows(IllegalArgumentException.class,
                () -> registry.register(new Named("feather2", ".feather")));
        assertEquals("file extension .feather of dataset format \"feather2\" already belongs to format \"arrow\"",
                ext.getMessage());
        registry.register(new Named("csv", ".csv"));
        assertEquals("csv", registry.ofFile("t.csv").name());
    }

    private static DatasetInfo inspect(String uri, String format) {
        return DataLoaders.inspect(uri, format, DatasetKind.TABULAR, null, List.of("a"), "y");
    }

    /** A format that only has a name and an extension: enough for the registry's rules. */
    private record Named(String name, String extension) implements DatasetFormat {
        @Override
        public List<String> extensions() {
            return List.of(extension);
        }

        @Override
        public FileIndex index(DatasetFiles.DataFile file, BufferAllocator allocator) {
            throw new UnsupportedOperationException("registry test only");
        }

        @Override
        public UnitFile open(FileIndex index, BufferAllocator allocator) throws IOException {
            throw new UnsupportedOperationException("registry test only");
        }
    }
}

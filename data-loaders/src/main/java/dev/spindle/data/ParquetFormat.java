package dev.spindle.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Apache Parquet ({@code .parquet}), read with parquet-hadoop's column readers through Hadoop's
 * FileSystem. A unit is one <b>row group</b>: the index comes from the footer alone, and a read fetches
 * only the loader's column chunks of one row group (a projection), decodes them column by column into
 * plain arrays, and drops the pages. A whole file is never held.
 *
 * <p>Columns ({@link ParquetColumns} maps them to Arrow types for the shared checks): tokens as a
 * {@code LIST} of {@code INT32} (the standard three-level layout or the legacy {@code repeated int32});
 * features as {@code FLOAT} or {@code DOUBLE}; the label as {@code INT32} or {@code INT64}. Uncompressed,
 * snappy and gzip column chunks are read; other codecs are refused when the file is indexed.
 *
 * <pre>{@code
 * FileIndex index = new ParquetFormat().index(file, allocator);   // footer only
 * }</pre>
 */
final class ParquetFormat implements DatasetFormat {

    /** Codecs whose decompressors ship with Spindle (zstd-jni and aircompressor are left out of the build). */
    static final Set<CompressionCodecName> CODECS = EnumSet.of(CompressionCodecName.UNCOMPRESSED,
            CompressionCodecName.SNAPPY, CompressionCodecName.GZIP);

    @Override
    public String name() {
        return DatasetFormats.PARQUET;
    }

    @Override
    public List<String> extensions() {
        return List.of(".parquet");
    }

    private static ParquetFileReader reader(DatasetFiles.DataFile file) throws IOException {
        return ParquetFileReader.open(new RetryingInputFile(file), ParquetReadOptions.builder().build());
    }

    @Override
    public FileIndex index(DatasetFiles.DataFile file, BufferAllocator allocator) {
        try (ParquetFileReader reader = reader(file)) {
            FileMetaData meta = reader.getFileMetaData();
            List<FileIndex.Block> blocks = new ArrayList<>();
            for (BlockMetaData rowGroup : reader.getRowGroups()) {
                for (ColumnChunkMetaData column : rowGroup.getColumns()) {
                    if (!CODECS.contains(column.getCodec())) {
                        throw new DataException(file.name() + ": column " + column.getPath() + " is compressed with "
                                + column.getCodec() + "; Spindle reads " + CODECS + ": rewrite the file with one of them");
                    }
                }
                blocks.add(new FileIndex.Block(rowGroup.getStartingPos(), 0, rowGroup.getCompressedSize(),
                        rowGroup.getRowCount()));
            }
            Map<String, String> metadata = new HashMap<>(meta.getKeyValueMetaData());
            // Arrow's Parquet writer stores its whole schema here; it is large and says nothing the columns do not.
            metadata.remove("ARROW:schema");
            Schema schema = new Schema(ParquetColumns.toArrow(meta.getSchema()), metadata);
            return new FileIndex(file, schema, blocks);
        } catch (DataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new DataException(file.name() + ": not a readable Parquet file (truncated or not Parquet?): "
                    + e.getMessage(), e);
        }
    }

    @Override
    public UnitFile open(FileIndex index, BufferAllocator allocator) throws IOException {
        return new RowGroups(index);
    }

    /** One open Parquet file; reads the loader's columns of one row group at a time. */
    private static final class RowGroups implements UnitFile {

        private final FileIndex index;
        private final ParquetFileReader reader;
        private final MessageType fileSchema;
        private final String createdBy;
        private MessageType projection;
        private ColumnLayout projectedFor;

        RowGroups(FileIndex index) throws IOException {
            this.index = index;
            this.reader = reader(index.file());
            this.fileSchema = reader.getFileMetaData().getSchema();
            this.createdBy = reader.getFileMetaData().getCreatedBy();
        }

        @Override
        public ColumnLayout.UnitData read(int block, ColumnLayout layout, int vocabSize) throws IOException {
            if (projectedFor != layout) {
                projection = ParquetColumns.projection(fileSchema, layout);
                reader.setRequestedSchema(projection);
                projectedFor = layout;
            }
            PageReadStore pages = reader.readRowGroup(block);
            if (pages == null) {
                throw new IOException("row group " + block + " is missing");
            }
            try {
                ColumnReadStoreImpl store = new ColumnReadStoreImpl(pages,
                        new GroupRecordConverter(projection).getRootConverter(), projection, createdBy);
                int rows = Math.toIntExact(pages.getRowCount());
                String name = index.file().name();
                return layout.kind() == DatasetKind.TOKENS
                        ? readTokens(store, layout.tokensColumn(), rows, name, vocabSize)
                        : readTable(store, layout, rows, name);
            } finally {
                pages.close();
            }
        }

        private ColumnLayout.UnitData readTokens(ColumnReadStoreImpl store, String column, int rows, String file,
                int vocabSize) {
            ColumnDescriptor leaf = ParquetColumns.leaf(projection, column);
            ColumnReader values = store.getColumnReader(leaf);
            int listDefined = projection.getType(column).isRepetition(Type.Repetition.OPTIONAL) ? 1 : 0;
            int maxDef = leaf.getMaxDefinitionLevel();
            boolean optionalElement = leaf.getPrimitiveType().isRepetition(Type.Repetition.OPTIONAL);
            int[] offsets = new int[rows + 1];
            int[] tokens = new int[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(16, values.getTotalValueCount()))];
            int row = -1;
            int n = 0;
            for (long i = values.getTotalValueCount(); i > 0; i--) {
                if (values.getCurrentRepetitionLevel() == 0) {
                    row++;
                    if (row >= rows) {
                        throw new DataException(file + ": column \"" + column + "\" holds more lists than the row"
                                + " group's " + rows + " rows (corrupt file)");
                    }
                }
                int def = values.getCurrentDefinitionLevel();
                if (def == maxDef) {
                    int id = values.getInteger();
                    if (n == tokens.length) {
                        tokens = java.util.Arrays.copyOf(tokens, Math.multiplyExact(tokens.length, 2));
                    }
                    tokens[n++] = id;
                } else if (def < listDefined) {
                    throw new DataException(file + ": column \"" + column + "\" is null at row " + row + " of a row"
                            + " group; expected a list of token ids (empty is fine)");
                } else if (optionalElement && def == maxDef - 1) {
                    throw new DataException(file + ": column \"" + column + "\" holds a null token id at row " + row
                            + "; expected int32 ids");
                }
                offsets[row + 1] = n;
                values.consume();
            }
            if (row != rows - 1) {
                throw new DataException(file + ": column \"" + column + "\" holds " + (row + 1) + " lists in a row"
                        + " group of " + rows + " rows (corrupt file)");
            }
            return ColumnLayout.tokens(rows, offsets, java.util.Arrays.copyOf(tokens, n), file, vocabSize, column);
        }

        private ColumnLayout.UnitData readTable(ColumnReadStoreImpl store, ColumnLayout layout, int rows,
                String file) {
            int width = layout.features().size();
            float[] values = new float[Math.multiplyExact(rows, width)];
            for (int c = 0; c < width; c++) {
                String name = layout.features().get(c);
                ColumnReader r = store.getColumnReader(ParquetColumns.leaf(projection, name));
                boolean isDouble = r.getDescriptor().getPrimitiveType().getPrimitiveTypeName()
                        == PrimitiveType.PrimitiveTypeName.DOUBLE;
                int maxDef = r.getDescriptor().getMaxDefinitionLevel();
                for (int row = 0; row < rows; row++) {
                    if (r.getCurrentDefinitionLevel() < maxDef) {
                        throw new DataException(file + ": feature column \"" + name + "\" is null at row " + row
                                + " of a row group; expected a number");
                    }
                    values[row * width + c] = isDouble ? (float) r.getDouble() : r.getFloat();
                    r.consume();
                }
            }
            String label = layout.labelColumn();
            ColumnReader r = store.getColumnReader(ParquetColumns.leaf(projection, label));
            boolean isLong = r.getDescriptor().getPrimitiveType().getPrimitiveTypeName()
                    == PrimitiveType.PrimitiveTypeName.INT64;
            int maxDef = r.getDescriptor().getMaxDefinitionLevel();
            int[] labels = new int[rows];
            for (int row = 0; row < rows; row++) {
                boolean isNull = r.getCurrentDefinitionLevel() < maxDef;
                long value = isNull ? Long.MIN_VALUE : isLong ? r.getLong() : r.getInteger();
                if (isNull || value < 0 || value > Integer.MAX_VALUE) {
                    throw new DataException(file + ": label column \"" + label + "\" has "
                            + (isNull ? "null" : String.valueOf(value)) + " at row " + row
                            + " of a row group; expected a class index 0.." + Integer.MAX_VALUE);
                }
                labels[row] = (int) value;
                r.consume();
            }
            return new ColumnLayout.UnitData(rows, null, null, values, labels);
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}

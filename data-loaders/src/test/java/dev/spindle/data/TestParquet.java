package dev.spindle.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Writes small Parquet files for tests with parquet-hadoop's own example writer (not Spindle's code), with
 * a fixed number of rows per row group, mirroring {@link TestDatasets}' Arrow files.
 */
final class TestParquet {

    /** The standard three-level list layout that Arrow, Spark and pyarrow write. */
    static final MessageType TOKENS = MessageTypeParser.parseMessageType(
            "message doc { optional group tokens (LIST) { repeated group list { optional int32 element; } } }");

    /** The columns of {@link TestDatasets#tabular}: a float, y int64, b double, c float. */
    static final MessageType TABULAR = MessageTypeParser.parseMessageType(
            "message row { required float a; required int64 y; required double b; required float c; }");

    private TestParquet() {}

    /** Documents as rows of {@code tokens: list<int32>}, {@code rowsPerGroup} documents per row group. */
    static Path tokens(Path file, int rowsPerGroup, List<int[]> docs, Map<String, String> metadata)
            throws IOException {
        SimpleGroupFactory rows = new SimpleGroupFactory(TOKENS);
        try (ParquetWriter<Group> w = writer(file, TOKENS, rowsPerGroup, metadata)) {
            for (int[] doc : docs) {
                Group row = rows.newGroup();
                Group list = row.addGroup("tokens");
                for (int id : doc) {
                    list.addGroup("list").append("element", id);
                }
                w.write(row);
            }
        }
        return file;
    }

    /** Rows with ids {@code firstId..firstId+rows-1}, as {@link TestDatasets#tabular} makes them. */
    static Path tabular(Path file, int firstId, int rows, int rowsPerGroup) throws IOException {
        SimpleGroupFactory factory = new SimpleGroupFactory(TABULAR);
        try (ParquetWriter<Group> w = writer(file, TABULAR, rowsPerGroup, Map.of())) {
            for (int id = firstId; id < firstId + rows; id++) {
                w.write(factory.newGroup().append("a", (float) id).append("y", (long) id).append("b", id / 2.0)
                        .append("c", (float) -id));
            }
        }
        return file;
    }

    private static ParquetWriter<Group> writer(Path file, MessageType schema, int rowsPerGroup,
            Map<String, String> metadata) throws IOException {
        return ExampleParquetWriter.builder(HadoopOutputFile.fromPath(
                        new org.apache.hadoop.fs.Path(file.toUri()), new Configuration()))
                .withType(schema)
                .withRowGroupRowCountLimit(rowsPerGroup)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withExtraMetaData(metadata)
                .build();
    }
}

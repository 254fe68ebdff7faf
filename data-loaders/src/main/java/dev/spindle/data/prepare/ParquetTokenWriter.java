package dev.spindle.data.prepare;

import java.io.IOException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Writes tokenized documents as Parquet files {@code part-00000.parquet, ...} through Hadoop's FileSystem,
 * with the standard three-level list layout ({@code tokens: list<int32>}, what Arrow and Spark write),
 * snappy-compressed, the dataset metadata as key/value metadata.
 *
 * <p>parquet-hadoop's writer closes a row group by row count or buffered size, never on demand, so a row
 * group holds a fixed number of documents: {@code tokensPerUnit / ASSUMED_TOKENS_PER_DOCUMENT} (at least 1).
 * For the byte tokenizer on paragraphs of licence text that gives row groups of a few thousand tokens, like
 * the Arrow writer's record batches.
 */
final class ParquetTokenWriter implements TokenWriter {

    /** The document length the row-group size is planned with. */
    static final int ASSUMED_TOKENS_PER_DOCUMENT = 256;
    /** A new part file starts after this many row groups. */
    static final int ROW_GROUPS_PER_FILE = 256;

    private final FileSystem fs;
    private final Path dir;
    private final String column;
    private final Map<String, String> metadata;
    private final int documentsPerRowGroup;
    private final MessageType schema;
    private final SimpleGroupFactory rows;
    private ParquetWriter<Group> writer;
    private int part;
    private long documentsInFile;

    ParquetTokenWriter(FileSystem fs, Path dir, String column, Map<String, String> metadata, int tokensPerUnit) {
        this.fs = fs;
        this.dir = dir;
        this.column = column;
        this.metadata = Map.copyOf(metadata);
        this.documentsPerRowGroup = Math.max(1, tokensPerUnit / ASSUMED_TOKENS_PER_DOCUMENT);
        this.schema = MessageTypeParser.parseMessageType("message document { required group " + column
                + " (LIST) { repeated group list { required int32 element; } } }");
        this.rows = new SimpleGroupFactory(schema);
    }

    @Override
    public void add(int[] tokens) throws IOException {
        if (writer == null) {
            Configuration conf = fs.getConf();
            writer = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(
                            new Path(dir, String.format("part-%05d.parquet", part++)), conf))
                    .withConf(conf)
                    .withType(schema)
                    .withRowGroupRowCountLimit(documentsPerRowGroup)
                    .withCompressionCodec(CompressionCodecName.SNAPPY)
                    .withExtraMetaData(metadata)
                    .build();
            documentsInFile = 0;
        }
        Group row = rows.newGroup();
        Group list = row.addGroup(column);
        for (int id : tokens) {
            list.addGroup("list").append("element", id);
        }
        writer.write(row);
        if (++documentsInFile >= (long) documentsPerRowGroup * ROW_GROUPS_PER_FILE) {
            close();
        }
    }

    @Override
    public void close() throws IOException {
        if (writer != null) {
            try {
                writer.close();
            } finally {
                writer = null;
            }
        }
    }
}

package dev.spindle.data.prepare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Writes the MLP benchmark's dataset: Arrow IPC files of float32 columns {@code f0..f<n-1>} and an
 * int32 {@code label}, from a seeded generator, so every run trains on the same bytes.
 *
 * <p>Features are standard normal; the label is the index of the largest of the first
 * {@code classes} features, so the task is learnable and a falling loss shows the trainer works.
 *
 * <pre>{@code
 * // java ... dev.spindle.bench.data.SyntheticTabularDataset --out /tmp/mlp-data --rows 32768
 * List<Path> files = SyntheticTabularDataset.write(new SyntheticTabularDataset.Spec(32768), dir);
 * }</pre>
 */
public final class SyntheticTabularDataset {

    /** Feature columns of the benchmark's MLP. */
    public static final int DEFAULT_FEATURES = 784;
    /** Classes of the benchmark's MLP. */
    public static final int DEFAULT_CLASSES = 10;
    /** Rows in one Arrow record batch. */
    public static final int DEFAULT_BATCH_ROWS = 1024;
    /** Rows in one file (the dataset is a directory of files, as Spindle's loaders read it). */
    public static final int DEFAULT_FILE_ROWS = 8192;
    /** Generator seed. */
    public static final long DEFAULT_SEED = 42;
    /** Name of the label column. */
    public static final String LABEL = "label";

    private SyntheticTabularDataset() {
    }

    /**
     * What to write.
     *
     * @param rows rows in all, >= 1
     * @param features feature columns, >= classes
     * @param classes label values are in [0, classes), >= 2
     * @param batchRows rows per record batch, >= 1
     * @param fileRows rows per file, a multiple of batchRows
     * @param seed generator seed
     */
    public record Spec(int rows, int features, int classes, int batchRows, int fileRows, long seed) {

        public Spec {
            if (rows < 1) {
                throw new IllegalArgumentException("rows is " + rows + "; expected >= 1");
            }
            if (classes < 2 || features < classes) {
                throw new IllegalArgumentException("features " + features + " and classes " + classes
                        + "; expected classes >= 2 and features >= classes");
            }
            if (batchRows < 1 || fileRows < batchRows || fileRows % batchRows != 0) {
                throw new IllegalArgumentException("batchRows " + batchRows + " and fileRows " + fileRows
                        + "; expected fileRows to be a positive multiple of batchRows");
            }
        }

        /** The benchmark's shape and defaults, with {@code rows} rows. */
        public Spec(int rows) {
            this(rows, DEFAULT_FEATURES, DEFAULT_CLASSES, DEFAULT_BATCH_ROWS, DEFAULT_FILE_ROWS, DEFAULT_SEED);
        }
    }

    /** The schema: {@code f0..f<features-1>} float32, then {@code label} int32, none nullable. */
    public static Schema schema(int features) {
        List<Field> fields = new ArrayList<>();
        FieldType float32 = FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE));
        for (int i = 0; i < features; i++) {
            fields.add(new Field("f" + i, float32, null));
        }
        fields.add(new Field(LABEL, FieldType.notNullable(new ArrowType.Int(32, true)), null));
        return new Schema(fields);
    }

    /**
     * Writes {@code part-00000.arrow}, ... into {@code dir} (created if absent).
     *
     * @return the files written, in order
     */
    public static List<Path> write(Spec spec, Path dir) {
        List<Path> files = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(spec.seed());
        try (BufferAllocator allocator = new RootAllocator();
                VectorSchemaRoot root = VectorSchemaRoot.create(schema(spec.features()), allocator)) {
            Files.createDirectories(dir);
            for (int first = 0; first < spec.rows(); first += spec.fileRows()) {
                Path file = dir.resolve(String.format(Locale.ROOT, "part-%05d.arrow", files.size()));
                int fileRows = Math.min(spec.fileRows(), spec.rows() - first);
                writeFile(spec, root, random, file, fileRows);
                files.add(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the synthetic dataset into " + dir, e);
        }
        return files;
    }

    private static void writeFile(Spec spec, VectorSchemaRoot root, SplittableRandom random, Path file,
            int rows) throws IOException {
        List<FieldVector> vectors = root.getFieldVectors();
        IntVector label = (IntVector) vectors.get(spec.features());
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
                ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
            writer.start();
            for (int done = 0; done < rows; done += spec.batchRows()) {
                int n = Math.min(spec.batchRows(), rows - done);
                root.allocateNew();
                for (int row = 0; row < n; row++) {
                    int best = 0;
                    float bestValue = Float.NEGATIVE_INFINITY;
                    for (int col = 0; col < spec.features(); col++) {
                        float value = (float) gaussian(random);
                        ((Float4Vector) vectors.get(col)).set(row, value);
                        if (col < spec.classes() && value > bestValue) {
                            best = col;
                            bestValue = value;
                        }
                    }
                    label.set(row, best);
                }
                root.setRowCount(n);
                writer.writeBatch();
            }
            writer.end();
        }
    }

    // SplittableRandom has no nextGaussian on Java 17; Box-Muller keeps the stream seeded and portable.
    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    private static long wholeNumber(String option, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + option + " is '" + value + "'; expected a whole number", e);
        }
    }

    /** {@code --out DIR --rows N [--seed S]}: writes the benchmark's dataset and prints the file count. */
    public static void main(String[] args) {
        Path out = null;
        Integer rows = null;
        long seed = DEFAULT_SEED;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--out" -> out = Path.of(args[i + 1]);
                case "--rows" -> rows = Math.toIntExact(wholeNumber("--rows", args[i + 1]));
                case "--seed" -> seed = wholeNumber("--seed", args[i + 1]);
                default -> throw new IllegalArgumentException(
                        "unknown option " + args[i] + "; expected --out DIR, --rows N, --seed S");
            }
        }
        if (out == null || rows == null) {
            throw new IllegalArgumentException("need --out DIR and --rows N");
        }
        Spec spec = new Spec(rows, DEFAULT_FEATURES, DEFAULT_CLASSES, DEFAULT_BATCH_ROWS, DEFAULT_FILE_ROWS, seed);
        List<Path> files = write(spec, out);
        System.out.println("wrote " + rows + " rows in " + files.size() + " Arrow files to " + out);
    }
}

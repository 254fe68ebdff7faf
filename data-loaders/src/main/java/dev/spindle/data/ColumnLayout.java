package dev.spindle.data;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Which columns a loader reads and how their values become samples: checked against every file's schema
 * up front, then used to copy one record batch at a time out of Arrow into plain arrays.
 *
 * @param kind what the dataset holds
 * @param tokensColumn TOKENS: the token column
 * @param features TABULAR: the resolved feature columns, in order
 * @param labelColumn TABULAR: the label column
 */
record ColumnLayout(DatasetKind kind, String tokensColumn, List<String> features, String labelColumn) {

    /** The values of one record batch. TOKENS: offsets and concatenated ids; TABULAR: row-major features, labels. */
    record UnitData(int rows, int[] tokenOffsets, int[] tokens, float[] features, int[] labels) {
        int tokenCount() {
            return tokens.length;
        }
    }

    ColumnLayout {
        features = List.copyOf(features);
    }

    /** Resolves and checks the columns against the first file, naming the file and column on mismatch. */
    static ColumnLayout resolve(DatasetKind kind, String tokensColumn, List<String> features, String labelColumn,
            FileIndex first) {
        List<String> resolved = features == null ? List.of() : features;
        if (kind == DatasetKind.TABULAR && resolved.isEmpty()) {
            List<String> all = new ArrayList<>();
            for (Field f : first.schema().getFields()) {
                if (f.getType() instanceof ArrowType.FloatingPoint && !f.getName().equals(labelColumn)) {
                    all.add(f.getName());
                }
            }
            if (all.isEmpty()) {
                throw new DataException(first.file().name() + ": no float32 or float64 columns besides the label "
                        + "column \"" + labelColumn + "\"; schema is " + describe(first.schema()));
            }
            resolved = all;
        }
        ColumnLayout layout = new ColumnLayout(kind, tokensColumn, kind == DatasetKind.TOKENS ? List.of() : resolved,
                labelColumn);
        layout.check(first);
        return layout;
    }

    /** Fails unless the file has every column with the expected type. */
    void check(FileIndex file) {
        if (kind == DatasetKind.TOKENS) {
            Field f = field(file, tokensColumn);
            boolean ok = f.getType() instanceof ArrowType.List
                    && f.getChildren().size() == 1
                    && f.getChildren().get(0).getType() instanceof ArrowType.Int i
                    && i.getBitWidth() == 32 && i.getIsSigned();
            if (!ok) {
                throw new DataException(file.file().name() + ": column \"" + tokensColumn + "\" has type "
                        + typeOf(f) + "; expected list<int32> of token ids");
            }
            return;
        }
        for (String name : features) {
            Field f = field(file, name);
            if (!(f.getType() instanceof ArrowType.FloatingPoint fp)
                    || fp.getPrecision() == org.apache.arrow.vector.types.FloatingPointPrecision.HALF) {
                throw new DataException(file.file().name() + ": feature column \"" + name + "\" has type " + typeOf(f)
                        + "; expected float32 or float64");
            }
        }
        Field label = field(file, labelColumn);
        if (!(label.getType() instanceof ArrowType.Int)) {
            throw new DataException(file.file().name() + ": label column \"" + labelColumn + "\" has type "
                    + typeOf(label) + "; expected an integer type (int8..int64)");
        }
    }

    /**
     * Copies the loader's columns out of a loaded record batch. Token ids are checked against the
     * vocabulary size when the dataset states one: an id past it would fail much later, in an embedding.
     */
    UnitData extract(VectorSchemaRoot root, String fileName, int vocabSize) {
        int rows = root.getRowCount();
        if (kind == DatasetKind.TOKENS) {
            ListVector list = (ListVector) root.getVector(tokensColumn);
            IntVector ids = (IntVector) list.getDataVector();
            int[] offsets = new int[rows + 1];
            int base = rows == 0 ? 0 : list.getElementStartIndex(0);
            for (int r = 0; r < rows; r++) {
                if (list.isNull(r)) {
                    throw new DataException(fileName + ": column \"" + tokensColumn + "\" is null at row " + r
                            + " of a record batch; expected a list of token ids (empty is fine)");
                }
                offsets[r + 1] = list.getElementEndIndex(r) - base;
            }
            int[] tokens = new int[offsets[rows]];
            if (ids.getNullCount() > 0) {
                for (int i = 0; i < tokens.length; i++) {
                    if (ids.isNull(base + i)) {
                        throw new DataException(fileName + ": column \"" + tokensColumn + "\" holds a null token id;"
                                + " expected int32 ids");
                    }
                }
            }
            // One bulk copy out of the little-endian data buffer: per-element get() was 5x slower than the read.
            ids.getDataBuffer().nioBuffer((long) base * Integer.BYTES, tokens.length * Integer.BYTES)
                    .order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(tokens);
            return tokens(rows, offsets, tokens, fileName, vocabSize, tokensColumn);
        }
        int width = features.size();
        float[] values = new float[rows * width];
        for (int c = 0; c < width; c++) {
            FieldVector v = root.getVector(features.get(c));
            FloatingPointVector fv = (FloatingPointVector) v;
            for (int r = 0; r < rows; r++) {
                if (v.isNull(r)) {
                    throw new DataException(fileName + ": feature column \"" + features.get(c) + "\" is null at row "
                            + r + " of a record batch; expected a number");
                }
                values[r * width + c] = (float) fv.getValueAsDouble(r);
            }
        }
        FieldVector lv = root.getVector(labelColumn);
        BaseIntVector labelVector = (BaseIntVector) lv;
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            long value = lv.isNull(r) ? Long.MIN_VALUE : labelVector.getValueAsLong(r);
            if (lv.isNull(r) || value < 0 || value > Integer.MAX_VALUE) {
                throw new DataException(fileName + ": label column \"" + labelColumn + "\" has "
                        + (lv.isNull(r) ? "null" : String.valueOf(value)) + " at row " + r
                        + " of a record batch; expected a class index 0.." + Integer.MAX_VALUE);
            }
            labels[r] = (int) value;
        }
        return new UnitData(rows, null, null, values, labels);
    }

    /**
     * Token data with ids checked against the vocabulary size when the dataset states one: an id past it
     * would fail much later, in an embedding.
     */
    static UnitData tokens(int rows, int[] offsets, int[] tokens, String fileName, int vocabSize, String column) {
        int limit = vocabSize > 0 ? vocabSize : Integer.MAX_VALUE;
        for (int id : tokens) {
            if (id < 0 || id >= limit) {
                throw new DataException(fileName + ": column \"" + column + "\" holds token id " + id + "; expected 0.." + (vocabSize > 0 ? (vocabSize - 1)
                        + " (spindle.vocab_size is " + vocabSize + ")" : Integer.MAX_VALUE));
            }
        }
        return new UnitData(rows, offsets, tokens, null, null);
    }

    private static Field field(FileIndex file, String name) {
        for (Field f : file.schema().getFields()) {
            if (f.getName().equals(name)) {
                return f;
            }
        }
        throw new DataException(file.file().name() + ": missing column \"" + name + "\"; the file has "
                + describe(file.schema()));
    }

    private static String typeOf(Field f) {
        if (f.getType() instanceof ArrowType.List && f.getChildren().size() == 1) {
            return "list<" + typeOf(f.getChildren().get(0)) + ">";
        }
        return f.getType().toString();
    }

    /** "name: type", as messages and inspect print a column. */
    static String describe(Field f) {
        return f.getName() + ": " + typeOf(f);
    }

    static String describe(Schema schema) {
        List<String> parts = new ArrayList<>();
        for (Field f : schema.getFields()) {
            parts.add(describe(f));
        }
        return "[" + String.join(", ", parts) + "]";
    }
}

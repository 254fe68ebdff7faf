package dev.spindle.data;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Parquet columns seen as Arrow fields, so that {@link ColumnLayout} checks and describes both formats the
 * same way: {@code FLOAT}/{@code DOUBLE} become float32/float64, {@code INT32}/{@code INT64} (with their
 * integer annotations) Arrow integers, a {@code LIST} (three-level, or a legacy {@code repeated} primitive)
 * an Arrow list of its element, strings utf8; anything else binary or a struct, which no layout accepts.
 *
 * <pre>{@code
 * List<Field> fields = ParquetColumns.toArrow(footer.getFileMetaData().getSchema());
 * }</pre>
 */
final class ParquetColumns {

    private ParquetColumns() {}

    static List<Field> toArrow(MessageType schema) {
        List<Field> fields = new ArrayList<>();
        for (Type t : schema.getFields()) {
            fields.add(field(t.getName(), t));
        }
        return fields;
    }

    private static Field field(String name, Type t) {
        boolean nullable = !t.isRepetition(Type.Repetition.REQUIRED);
        if (t.isRepetition(Type.Repetition.REPEATED)) {
            // Legacy two-level list: a repeated field is a list of its values.
            Field item = element("item", t);
            return new Field(name, new FieldType(false, new ArrowType.List(), null), List.of(item));
        }
        if (t.isPrimitive()) {
            return new Field(name, new FieldType(nullable, primitive(t.asPrimitiveType()), null), null);
        }
        GroupType g = t.asGroupType();
        if (g.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation
                && g.getFieldCount() == 1) {
            Type repeated = g.getType(0);
            Type elementType = !repeated.isPrimitive() && repeated.asGroupType().getFieldCount() == 1
                    ? repeated.asGroupType().getType(0) : repeated;
            Field item = elementType == repeated ? element("item", repeated) : field("item", elementType);
            return new Field(name, new FieldType(nullable, new ArrowType.List(), null), List.of(item));
        }
        List<Field> children = new ArrayList<>();
        for (Type c : g.getFields()) {
            children.add(field(c.getName(), c));
        }
        return new Field(name, new FieldType(nullable, ArrowType.Struct.INSTANCE, null), children);
    }

    /** A repeated field's value as a list element (required: it cannot be null). */
    private static Field element(String name, Type t) {
        if (t.isPrimitive()) {
            return new Field(name, new FieldType(false, primitive(t.asPrimitiveType()), null), null);
        }
        return new Field(name, new FieldType(false, ArrowType.Struct.INSTANCE, null), List.of());
    }

    private static ArrowType primitive(PrimitiveType p) {
        LogicalTypeAnnotation a = p.getLogicalTypeAnnotation();
        switch (p.getPrimitiveTypeName()) {
            case FLOAT:
                return new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
            case DOUBLE:
                return new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
            case INT32:
            case INT64:
                if (a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i) {
                    return new ArrowType.Int(i.getBitWidth(), i.isSigned());
                }
                if (a == null) {
                    return new ArrowType.Int(p.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT32
                            ? 32 : 64, true);
                }
                // Dates, times, decimals: not an integer to a loader.
                return new ArrowType.Binary();
            case BOOLEAN:
                return ArrowType.Bool.INSTANCE;
            case BINARY:
                return a instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                        ? ArrowType.Utf8.INSTANCE : new ArrowType.Binary();
            default:
                return new ArrowType.Binary();
        }
    }

    /** The file schema cut down to the layout's columns: only their chunks are fetched. */
    static MessageType projection(MessageType file, ColumnLayout layout) {
        List<Type> keep = new ArrayList<>();
        if (layout.kind() == DatasetKind.TOKENS) {
            keep.add(file.getType(layout.tokensColumn()));
        } else {
            layout.features().forEach(f -> keep.add(file.getType(f)));
            keep.add(file.getType(layout.labelColumn()));
        }
        return new MessageType(file.getName(), keep);
    }

    /** The one leaf column under a top-level field (the field itself when it is primitive). */
    static ColumnDescriptor leaf(MessageType schema, String column) {
        for (ColumnDescriptor d : schema.getColumns()) {
            if (d.getPath()[0].equals(column)) {
                return d;
            }
        }
        throw new DataException("column \"" + column + "\" has no values in the Parquet schema " + schema);
    }
}

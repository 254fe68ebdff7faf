package dev.spindle.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The registry of {@link DatasetFormat}s: Arrow IPC ({@code arrow}: {@code .arrow}, {@code .feather},
 * {@code .arrows}) and Parquet ({@code parquet}: {@code .parquet}). A format is chosen by name (from
 * {@code spec.data.format}) or by a file's extension. Registering a second format with a name or an
 * extension already taken fails, so one file name always means one format.
 *
 * <pre>{@code
 * DatasetFormat f = DatasetFormats.byName("parquet");
 * DatasetFormat g = DatasetFormats.forFileName("part-00000.arrows"); // arrow; null if no format claims it
 * }</pre>
 */
final class DatasetFormats {

    /** The {@code spec.data.format} of Arrow IPC files. */
    static final String ARROW = "arrow";
    /** The {@code spec.data.format} of Parquet files. */
    static final String PARQUET = "parquet";

    private static final DatasetFormats BUILT_IN = new DatasetFormats()
            .register(new ArrowIpcFormat())
            .register(new ParquetFormat());

    private final Map<String, DatasetFormat> byName = new LinkedHashMap<>();
    private final Map<String, DatasetFormat> byExtension = new LinkedHashMap<>();

    DatasetFormats() {}

    /** Adds a format; fails when its name or one of its extensions is already registered. */
    synchronized DatasetFormats register(DatasetFormat format) {
        String name = format.name();
        if (byName.containsKey(name)) {
            throw new IllegalArgumentException("dataset format \"" + name + "\" is already registered ("
                    + byName.get(name).getClass().getName() + "); choose another name");
        }
        for (String ext : format.extensions()) {
            DatasetFormat owner = byExtension.get(ext);
            if (owner != null) {
                throw new IllegalArgumentException("file extension " + ext + " of dataset format \"" + name
                        + "\" already belongs to format \"" + owner.name() + "\"");
            }
        }
        byName.put(name, format);
        format.extensions().forEach(ext -> byExtension.put(ext, format));
        return this;
    }

    /** The built-in formats. */
    static DatasetFormats builtIn() {
        return BUILT_IN;
    }

    /** The format of that name; fails listing the known names. */
    static DatasetFormat byName(String name) {
        return BUILT_IN.named(name);
    }

    /** The format whose extension ends the name, or null. */
    static DatasetFormat forFileName(String fileName) {
        return BUILT_IN.ofFile(fileName);
    }

    synchronized DatasetFormat named(String name) {
        DatasetFormat f = name == null ? null : byName.get(name.toLowerCase(Locale.ROOT));
        if (f == null) {
            throw new DataException("unknown dataset format \"" + name + "\"; expected one of " + byName.keySet());
        }
        return f;
    }

    synchronized DatasetFormat ofFile(String fileName) {
        String n = fileName.toLowerCase(Locale.ROOT);
        for (Map.Entry<String, DatasetFormat> e : byExtension.entrySet()) {
            if (n.endsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return null;
    }

    /** The registered names, in registration order. */
    synchronized List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** "arrow (.arrow, .feather, .arrows) or parquet (.parquet)", for messages. */
    synchronized String describe() {
        List<String> parts = new ArrayList<>();
        byName.values().forEach(f -> parts.add(f.name() + " (" + String.join(", ", f.extensions()) + ")"));
        return String.join(" or ", parts);
    }
}

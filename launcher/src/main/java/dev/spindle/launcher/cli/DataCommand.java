package dev.spindle.launcher.cli;

import dev.spindle.data.DataLoaders;
import dev.spindle.data.ReadThroughput;
import dev.spindle.data.DatasetInfo;
import dev.spindle.data.DatasetKind;
import dev.spindle.data.prepare.TextDatasetPreparer;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spindle data prepare|inspect}: make and look at datasets. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Prepare and inspect datasets.",
        subcommands = {DataCommand.Prepare.class, DataCommand.Inspect.class, DataCommand.Bench.class})
final class DataCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "prepare", mixinStandardHelpOptions = true,
            description = "Tokenize text files (byte-level) into an Arrow or Parquet dataset with train/ and eval/"
                    + " splits, on any supported URI.")
    static final class Prepare implements Callable<Integer> {

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "TEXT", description = "Text files, folders or globs.")
        List<String> inputs = new ArrayList<>();

        @Option(names = "--out", required = true, paramLabel = "DIR",
                description = "Output folder: a path or a URI (file:, abfs:, abfss:).")
        String out;

        @Option(names = "--format", defaultValue = "arrow", paramLabel = "FORMAT",
                description = "arrow or parquet (default ${DEFAULT-VALUE}).")
        String format;

        @Option(names = "--eval-fraction", defaultValue = "0.05",
                description = "Share of documents held out for evaluation (default ${DEFAULT-VALUE}).")
        double evalFraction;

        @Option(names = "--seed", defaultValue = "42", description = "Seed of the train/eval split (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--tokens-per-unit", defaultValue = "4096", paramLabel = "N",
                description = "Tokens per record batch or row group (default ${DEFAULT-VALUE}): units are what ranks"
                        + " share, so small for small datasets, large (e.g. 262144) for throughput on big ones.")
        int tokensPerUnit;

        @Override
        public Integer call() throws Exception {
            var result = TextDatasetPreparer.prepare(inputs, out, format, evalFraction, seed, tokensPerUnit);
            PrintWriter w = spec.commandLine().getOut();
            w.println("spindle: prepared " + result.format() + " dataset from " + result.inputFiles() + " files ("
                    + result.inputBytes() + " bytes)");
            w.println("  train: " + result.trainUri() + "  " + result.trainDocuments() + " documents, "
                    + result.trainTokens() + " tokens");
            w.println("  eval:  " + result.evalUri() + "  " + result.evalDocuments() + " documents, "
                    + result.evalTokens() + " tokens");
            return SpindleCli.OK;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Print a dataset's files, size, schema and rows without reading its data.")
    static final class Inspect implements Callable<Integer> {

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "URI", description = "A file, folder, glob or URI.")
        String uri;

        @Mixin
        DatasetOptions dataset;

        @Override
        public Integer call() {
            DatasetInfo info = DataLoaders.inspect(uri, dataset.format, dataset.schema.kind, dataset.column, List.of(), dataset.label);
            PrintWriter w = spec.commandLine().getOut();
            w.println("files:    " + info.files().size());
            info.files().forEach(f -> w.println("  " + f));
            w.println("format:   " + String.join(", ", info.formats()));
            w.println("bytes:    " + info.bytes());
            w.println("schema:   " + info.kind().name().toLowerCase(java.util.Locale.ROOT));
            w.println("columns:");
            info.columns().forEach(c -> w.println("  " + c));
            w.println("rows:     " + (info.rows() < 0 ? "unknown" : info.rows()));
            w.println("units:    " + info.units() + " (record batches / row groups: at most this many ranks)");
            if (info.kind() == DatasetKind.TOKENS) {
                w.println("vocab:    " + (info.vocabSize() < 0 ? "unknown" : info.vocabSize()));
            } else {
                w.println("features: " + info.featureCount());
            }
            return SpindleCli.OK;
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Read throughput of a dataset: raw bytes through the FileSystem against the format's reader.")
    static final class Bench implements Callable<Integer> {

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "URI", description = "A file, folder, glob or URI (file:, abfs:).")
        String uri;

        @Mixin
        DatasetOptions dataset;

        @Option(names = "--repeat", defaultValue = "5", description = "Rounds; the median is reported (default ${DEFAULT-VALUE}).")
        int repeat;

        @Override
        public Integer call() {
            if (repeat < 1) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--repeat: expected >= 1, got " + repeat);
            }
            PrintWriter w = spec.commandLine().getOut();
            java.util.List<ReadThroughput.Result> results = new ArrayList<>();
            for (int i = 0; i < repeat; i++) {
                ReadThroughput.Result r = ReadThroughput.measure(uri, dataset.format, dataset.schema.kind, dataset.column, List.of(),
                        dataset.label);
                results.add(r);
                w.printf(java.util.Locale.ROOT, "round %d: raw %.1f MB/s, reader %.1f MB/s (%.0f%%), %.0f rows/s%n",
                        i + 1, r.rawMBps(), r.readerMBps(), 100 * r.readerMBps() / r.rawMBps(), r.readerRowsPerSecond());
            }
            ReadThroughput.Result first = results.get(0);
            w.printf(java.util.Locale.ROOT, "%s: %d files, %d bytes, %d rows%n", uri, first.files(), first.bytes(),
                    first.rows());
            w.printf(java.util.Locale.ROOT, "median: raw %.1f MB/s, reader %.1f MB/s (%.0f%% of raw), %.0f rows/s%n",
                    median(results, ReadThroughput.Result::rawMBps), median(results, ReadThroughput.Result::readerMBps),
                    100 * median(results, r -> r.readerMBps() / r.rawMBps()),
                    median(results, ReadThroughput.Result::readerRowsPerSecond));
            return SpindleCli.OK;
        }

        private static double median(java.util.List<ReadThroughput.Result> results,
                java.util.function.ToDoubleFunction<ReadThroughput.Result> f) {
            double[] v = results.stream().mapToDouble(f).sorted().toArray();
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }
    }

    /** What a dataset command needs to know to read a dataset: its schema, columns and format. */
    static final class DatasetOptions {

        @Option(names = "--schema", defaultValue = "tokens", description = "tokens or tabular (default ${DEFAULT-VALUE}).")
        DatasetKindOption schema;

        @Option(names = "--column", defaultValue = "tokens", description = "Token column (default ${DEFAULT-VALUE}).")
        String column;

        @Option(names = "--label", defaultValue = "label", description = "Label column (default ${DEFAULT-VALUE}).")
        String label;

        @Option(names = "--format", paramLabel = "FORMAT",
                description = "arrow or parquet: read only files of that format (default: by file extension).")
        String format;
    }

    /** The {@code --schema} values, named as in job specs. */
    enum DatasetKindOption {
        tokens(DatasetKind.TOKENS),
        tabular(DatasetKind.TABULAR);

        final DatasetKind kind;

        DatasetKindOption(DatasetKind kind) {
            this.kind = kind;
        }
    }
}

package dev.spindle.launcher.cli;

import dev.spindle.launcher.kube.KubeJobs;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spindle logs NAME [--rank R] [-f]}: a job's coordinator log, or one worker's. */
@Command(name = "logs", mixinStandardHelpOptions = true,
        description = "Print the coordinator's log, or with --rank the log of the worker holding that rank now.")
final class LogsCommand extends ClusterCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "The job's name (metadata.name).")
    String name;

    @Option(names = "--rank", paramLabel = "R", description = "The worker of this rank in the current generation.")
    Integer rank;

    @Option(names = {"-f", "--follow"}, description = "Keep printing as the log grows, until the container ends.")
    boolean follow;

    @Override
    int run(KubeJobs jobs, PrintWriter out) {
        try (LineStream lines = new LineStream(out)) {
            jobs.logs(name, rank == null ? OptionalInt.empty() : OptionalInt.of(rank), follow, lines);
        }
        return SpindleCli.OK;
    }

    /** The log's bytes to the command's writer, a line at a time (UTF-8 never split inside a character). */
    private static final class LineStream extends OutputStream {

        private final PrintWriter out;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineStream(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void write(int b) {
            line.write(b);
            if (b == '\n') {
                flush();
            }
        }

        @Override
        public void flush() {
            out.print(line.toString(StandardCharsets.UTF_8));
            out.flush();
            line.reset();
        }

        @Override
        public void close() {
            flush();
        }
    }
}

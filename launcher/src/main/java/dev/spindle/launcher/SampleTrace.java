package dev.spindle.launcher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.spindle.train.Batch;
import dev.spindle.train.BatchSource;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An audit of exactly which samples each rank trained on, step by step: with the environment variable
 * {@value #ENV} set to a folder, every worker appends {@code samples-g<generation>-r<rank>.jsonl} there,
 * one line per micro-batch: {@code {"generation":2,"rank":1,"step":41,"samples":["9f3c...", ...]}}, each
 * sample named by a 64-bit hash of its input row. Steps that a later generation redid after a failure
 * appear in both files; the newest generation's lines are the ones that count.
 *
 * <p>Off by default: hashing every row costs a copy of the batch per step. Meant for checking
 * exactly-once data consumption across failures and re-sharding (the distributed ITs do), and for
 * debugging a data order by hand.
 */
final class SampleTrace implements BatchSource {

    /** The environment variable naming the trace folder. */
    static final String ENV = "SPINDLE_SAMPLE_TRACE";

    private final BatchSource inner;
    private final BufferedWriter out;
    private final long generation;
    private final int rank;
    private final int microBatches;
    private long calls;
    private final long startStep;

    private SampleTrace(BatchSource inner, BufferedWriter out, long generation, int rank, long startStep,
            int microBatches) {
        this.inner = inner;
        this.out = out;
        this.generation = generation;
        this.rank = rank;
        this.startStep = startStep;
        this.microBatches = microBatches;
    }

    /** {@code source} traced when {@value #ENV} is set, else {@code source} itself. */
    static BatchSource wrap(BatchSource source, long generation, int rank, long startStep, int microBatches)
            throws IOException {
        String dir = System.getenv(ENV);
        if (dir == null || dir.isBlank()) {
            return source;
        }
        Path folder = Files.createDirectories(Path.of(dir));
        BufferedWriter out = Files.newBufferedWriter(folder.resolve("samples-g" + generation + "-r" + rank + ".jsonl"),
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return new SampleTrace(source, out, generation, rank, startStep, microBatches);
    }

    @Override
    public Batch next(NDManager manager) {
        Batch batch = inner.next(manager);
        long step = startStep + 1 + calls / microBatches;
        calls++;
        StringBuilder line = new StringBuilder(64 + 20 * batch.samples());
        line.append("{\"generation\":").append(generation).append(",\"rank\":").append(rank)
                .append(",\"step\":").append(step).append(",\"samples\":[");
        NDArray inputs = batch.inputs();
        ByteBuffer bytes = inputs.toByteBuffer();
        int rows = (int) inputs.getShape().get(0);
        int rowBytes = rows == 0 ? 0 : bytes.remaining() / rows;
        for (int r = 0; r < rows; r++) {
            long h = 0xcbf29ce484222325L; // FNV-1a, 64 bits
            for (int i = r * rowBytes; i < (r + 1) * rowBytes; i++) {
                h = (h ^ (bytes.get(i) & 0xff)) * 0x100000001b3L;
            }
            line.append(r == 0 ? "\"" : ",\"").append(Long.toHexString(h)).append('"');
        }
        line.append("]}\n");
        try {
            out.write(line.toString());
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("could not append to the sample trace in $" + ENV, e);
        }
        return batch;
    }

    @Override
    public String cursor() {
        return inner.cursor();
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            inner.close();
        }
    }
}

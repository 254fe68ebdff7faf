package dev.spindle.data.prepare;

import dev.spindle.data.storage.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileSystem;

/**
 * Turns plain text files into a tokenized dataset (Arrow IPC or Parquet, on any Hadoop FileSystem URI) for
 * the TOKENS loader.
 *
 * <p>Each file is split into paragraphs at blank lines (lines holding only spaces or tabs count as blank);
 * a paragraph is one document, with line breaks normalized to {@code \n} and surrounding whitespace
 * trimmed. Documents are encoded with {@link ByteTokenizer} (so each ends with the end-of-document
 * token) and go to {@code outputDir/eval} when the first 8 bytes of SHA-256(seed as 8 big-endian bytes,
 * then the document's UTF-8), read as a fraction of 2^64, are below {@code evalFraction}, otherwise to
 * {@code outputDir/train}: the same text always lands in the same split for a given seed.
 *
 * <pre>{@code
 * PrepareResult r = TextDatasetPreparer.prepare(List.of("/usr/share/common-licenses/*"), Path.of("data"), 0.1, 42);
 * LoaderOptions o = LoaderOptions.tokens(r.trainUri(), "tokens", 128, 16);
 * TextDatasetPreparer.prepare(inputs, "abfs://data@acct.dfs.core.windows.net/lic", "parquet", 0.1, 42, 4096);
 * }</pre>
 */
public final class TextDatasetPreparer {

    /** The column the preparer writes. */
    public static final String TOKENS_COLUMN = "tokens";
    /** Schema metadata key naming the tokenizer. */
    public static final String TOKENIZER_KEY = "spindle.tokenizer";
    /** Schema metadata key holding the vocabulary size. */
    public static final String VOCAB_SIZE_KEY = "spindle.vocab_size";
    /** Output format: Arrow IPC files ({@code part-00000.arrow}, ...). */
    public static final String FORMAT_ARROW = "arrow";
    /** Output format: Parquet files ({@code part-00000.parquet}, ...). */
    public static final String FORMAT_PARQUET = "parquet";

    /**
     * Tokens per record batch. Record batches are the unit of sharding, so this is small enough that a
     * 10% eval split of a 300 KB corpus still has a few per rank; raise it for large corpora on remote
     * storage, where each record batch costs a request.
     */
    public static final int DEFAULT_TOKENS_PER_RECORD_BATCH = 4096;

    private static final Pattern PARAGRAPH_BREAK = Pattern.compile("\n[ \t]*\n\\s*");

    private TextDatasetPreparer() {}

    /**
     * Reads {@code inputs} (files, directories, or paths whose last part is a glob such as {@code dir/*.txt}),
     * in sorted order, and writes {@code outputDir/train} and {@code outputDir/eval}. Refuses to write into
     * a split directory that already has files.
     */
    public static PrepareResult prepare(List<String> inputs, Path outputDir, double evalFraction, long seed)
            throws IOException {
        return prepare(inputs, outputDir, evalFraction, seed, DEFAULT_TOKENS_PER_RECORD_BATCH);
    }

    /** As {@link #prepare(List, Path, double, long)}, closing a record batch once it holds this many tokens. */
    public static PrepareResult prepare(List<String> inputs, Path outputDir, double evalFraction, long seed,
            int tokensPerRecordBatch) throws IOException {
        return prepare(inputs, outputDir.toAbsolutePath().toUri().toString(), FORMAT_ARROW, evalFraction, seed,
                tokensPerRecordBatch);
    }

    /**
     * As {@link #prepare(List, Path, double, long)}, writing through Hadoop's FileSystem to any supported URI
     * ({@code file:}, {@code abfs:}, ...; a path without a scheme is local) in {@code format}
     * ({@link #FORMAT_ARROW} or {@link #FORMAT_PARQUET}), with units of about {@code tokensPerUnit} tokens.
     */
    public static PrepareResult prepare(List<String> inputs, String outputUri, String format, double evalFraction,
            long seed, int tokensPerUnit) throws IOException {
        int tokensPerRecordBatch = tokensPerUnit;
        if (!FORMAT_ARROW.equals(format) && !FORMAT_PARQUET.equals(format)) {
            throw new IllegalArgumentException("format: expected " + FORMAT_ARROW + " or " + FORMAT_PARQUET + ", got "
                    + (format == null ? "null" : "\"" + format + "\""));
        }
        if (outputUri == null || outputUri.isBlank()) {
            throw new IllegalArgumentException("outputUri: expected a directory path or URI, got \"" + outputUri + "\"");
        }
        if (tokensPerRecordBatch < 1) {
            throw new IllegalArgumentException("tokensPerRecordBatch: expected >= 1, got " + tokensPerRecordBatch);
        }
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException("inputs: expected at least one text file, directory or glob");
        }
        if (!(evalFraction >= 0.0 && evalFraction <= 1.0)) {
            throw new IllegalArgumentException("evalFraction: expected 0.0..1.0, got " + evalFraction);
        }
        List<Path> files = new ArrayList<>();
        for (String input : inputs) {
            files.addAll(expand(input));
        }
        org.apache.hadoop.fs.Path out = Storage.hadoopPath(outputUri);
        FileSystem fs = OutputDirs.fileSystem(out);
        org.apache.hadoop.fs.Path trainDir = OutputDirs.empty(fs, new org.apache.hadoop.fs.Path(out, "train"));
        org.apache.hadoop.fs.Path evalDir = OutputDirs.empty(fs, new org.apache.hadoop.fs.Path(out, "eval"));
        Map<String, String> metadata = Map.of(TOKENIZER_KEY, ByteTokenizer.NAME,
                VOCAB_SIZE_KEY, Integer.toString(ByteTokenizer.VOCAB_SIZE));
        ByteTokenizer tokenizer = new ByteTokenizer();
        MessageDigest sha = sha256();
        long bytes = 0;
        long[] docs = new long[2];
        long[] tokens = new long[2];
        try (TokenWriter train = writer(format, fs, trainDir, metadata, tokensPerRecordBatch);
                TokenWriter eval = writer(format, fs, evalDir, metadata, tokensPerRecordBatch)) {
            for (Path file : files) {
                byte[] raw = Files.readAllBytes(file);
                bytes += raw.length;
                for (String doc : paragraphs(decode(raw))) {
                    boolean toEval = fractionOf(sha, seed, doc) < evalFraction;
                    int[] ids = tokenizer.encode(doc);
                    (toEval ? eval : train).add(ids);
                    docs[toEval ? 1 : 0]++;
                    tokens[toEval ? 1 : 0] += ids.length;
                }
            }
        }
        return new PrepareResult(trainDir.toString(), evalDir.toString(), format, files.size(), bytes, docs[0], docs[1], tokens[0], tokens[1]);
    }

    private static TokenWriter writer(String format, FileSystem fs, org.apache.hadoop.fs.Path dir,
            Map<String, String> metadata, int tokensPerUnit) {
        return FORMAT_PARQUET.equals(format)
                ? new ParquetTokenWriter(fs, dir, TOKENS_COLUMN, metadata, tokensPerUnit)
                : new TokenFileWriter(fs, dir, TOKENS_COLUMN, metadata, tokensPerUnit);
    }

    /** Blank-line separated paragraphs, trimmed, empty ones dropped. */
    static List<String> paragraphs(String text) {
        String normalized = text.replace("\r\n", "\n").replace('\r', '\n');
        List<String> out = new ArrayList<>();
        for (String p : PARAGRAPH_BREAK.split(normalized)) {
            String t = p.strip();
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    static double fractionOf(MessageDigest sha, long seed, String doc) {
        sha.reset();
        sha.update(ByteBuffer.allocate(Long.BYTES).putLong(seed).array());
        byte[] h = sha.digest(doc.getBytes(StandardCharsets.UTF_8));
        long top = ByteBuffer.wrap(h, 0, Long.BYTES).getLong();
        return (top >>> 11) * 0x1.0p-53;
    }

    private static String decode(byte[] raw) throws IOException {
        // Text that is not valid UTF-8 is kept, with U+FFFD for the bad bytes, rather than failing a large run.
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        return d.decode(ByteBuffer.wrap(raw)).toString();
    }

    private static List<Path> expand(String input) throws IOException {
        Path path = Path.of(input);
        List<Path> out = new ArrayList<>();
        if (Files.isRegularFile(path)) {
            out.add(path);
        } else if (Files.isDirectory(path)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(path, Files::isRegularFile)) {
                ds.forEach(out::add);
            }
        } else if (path.getParent() != null && Files.isDirectory(path.getParent())
                && path.getFileName().toString().matches(".*[*?\\[{].*")) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(path.getParent(),
                    path.getFileName().toString())) {
                ds.forEach(p -> {
                    if (Files.isRegularFile(p)) {
                        out.add(p);
                    }
                });
            }
        } else {
            throw new NoSuchFileException(input, null, "no such text file or directory (a glob may only be in"
                    + " the last part of the path)");
        }
        if (out.isEmpty()) {
            throw new NoSuchFileException(input, null, "matched no text files");
        }
        out.sort(null);
        return out;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}

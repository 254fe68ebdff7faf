package dev.spindle.data.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.spindle.data.ArrowMemory;
import dev.spindle.data.DataLoaders;
import dev.spindle.data.DatasetInfo;
import dev.spindle.data.DatasetKind;
import dev.spindle.data.LoaderOptions;
import dev.spindle.train.Batch;
import dev.spindle.train.BatchSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextDatasetPreparerTest {

    @TempDir
    Path dir;

    /** {@code files} files of {@code paragraphs} distinct paragraphs each, blank-line separated. */
    private Path corpus(int files, int paragraphs) throws IOException {
        Path in = Files.createDirectories(dir.resolve("in"));
        for (int f = 0; f < files; f++) {
            StringBuilder sb = new StringBuilder();
            for (int p = 0; p < paragraphs; p++) {
                sb.append("File ").append(f).append(" paragraph ").append(p).append(" says something.\r\n")
                        .append("Second line of ").append(p).append(".\n").append(p % 3 == 0 ? "\n  \t\n\n" : "\n");
            }
            Files.writeString(in.resolve("doc" + f + ".txt"), sb.toString());
        }
        return in;
    }

    @Test
    void splitsParagraphsAtBlankLines() {
        assertEquals(List.of("one\ntwo", "three", "four"),
                TextDatasetPreparer.paragraphs("one\r\ntwo\n\n three \n \t \n\n\nfour\n\n"));
    }

    @Test
    void writesTrainAndEvalThatTheLoaderReadsBack() throws Exception {
        Path in = corpus(3, 200);
        PrepareResult r = TextDatasetPreparer.prepare(List.of(in + "/*.txt"), dir.resolve("out"), 0.2, 7);
        assertEquals(3, r.inputFiles());
        assertEquals(600, r.documents());
        // Each document lands in eval with probability 0.2: 120 expected, sd ~ 9.8; allow 5 sd.
        assertTrue(Math.abs(r.evalDocuments() - 120) < 50, "eval documents " + r.evalDocuments());
        long textBytes = 0;
        for (int f = 0; f < 3; f++) {
            for (String p : TextDatasetPreparer.paragraphs(Files.readString(in.resolve("doc" + f + ".txt")))) {
                textBytes += p.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1;
            }
        }
        assertEquals(textBytes, r.trainTokens() + r.evalTokens(), "one token per byte plus one per document");

        DatasetInfo train = DataLoaders.inspect(r.trainDir().toString(), DatasetKind.TOKENS, "tokens", List.of(), null);
        assertEquals(ByteTokenizer.VOCAB_SIZE, train.vocabSize());
        assertEquals(r.trainDocuments(), train.rows());
        assertTrue(train.files().get(0).endsWith("/part-00000.arrow"), train.files().toString());

        // Reading the eval split in order gives back the documents' bytes, each followed by end-of-document.
        LoaderOptions o = LoaderOptions.tokens(r.evalDir().toString(), "tokens", 63, 1).withShuffleBuffer(0)
                .withPrefetch(0).withLoop(false);
        List<Integer> stream = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager(); BatchSource s = DataLoaders.open(o, null)) {
            while (((dev.spindle.data.ArrowBatchSource) s).hasNext()) {
                try (NDManager step = m.newSubManager()) {
                    Batch b = s.next(step);
                    int[] in0 = b.inputs().toIntArray();
                    int[] lab = b.labels().toIntArray();
                    for (int v : in0) {
                        stream.add(v);
                    }
                    stream.add(lab[lab.length - 1]);
                }
            }
        }
        // Every complete document read back is a corpus paragraph whose hash sends it to eval.
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        Set<String> paragraphs = new HashSet<>();
        for (int f = 0; f < 3; f++) {
            paragraphs.addAll(TextDatasetPreparer.paragraphs(Files.readString(in.resolve("doc" + f + ".txt"))));
        }
        int docs = 0;
        List<Integer> current = new ArrayList<>();
        for (int t : stream) {
            if (t != ByteTokenizer.END_OF_DOCUMENT) {
                current.add(t);
                continue;
            }
            String doc = new ByteTokenizer().decode(current.stream().mapToInt(Integer::intValue).toArray());
            assertTrue(paragraphs.contains(doc), doc);
            assertTrue(TextDatasetPreparer.fractionOf(sha, 7, doc) < 0.2, doc);
            current.clear();
            docs++;
        }
        assertTrue(docs > r.evalDocuments() - 3, docs + " of " + r.evalDocuments() + " documents read back");
        assertTrue(stream.size() > r.evalTokens() - 64, "only the last partial sequence is dropped");
        assertEquals(0, ArrowMemory.allocatedBytes());
    }

    @Test
    void splitIsDeterministicAndDependsOnTheSeed() throws Exception {
        Path in = corpus(2, 100);
        PrepareResult a = TextDatasetPreparer.prepare(List.of(in.toString()), dir.resolve("a"), 0.3, 1);
        PrepareResult b = TextDatasetPreparer.prepare(List.of(in.toString()), dir.resolve("b"), 0.3, 1);
        PrepareResult c = TextDatasetPreparer.prepare(List.of(in.toString()), dir.resolve("c"), 0.3, 2);
        assertEquals(Files.readAllBytes(a.evalDir().resolve("part-00000.arrow")).length,
                Files.readAllBytes(b.evalDir().resolve("part-00000.arrow")).length);
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(a.evalDir().resolve("part-00000.arrow")),
                Files.readAllBytes(b.evalDir().resolve("part-00000.arrow"))), "same seed, same bytes");
        assertEquals(a.evalDocuments(), b.evalDocuments());
        Set<Boolean> differs = new HashSet<>();
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        for (String p : TextDatasetPreparer.paragraphs(Files.readString(in.resolve("doc0.txt")))) {
            differs.add((TextDatasetPreparer.fractionOf(sha, 1, p) < 0.3) != (TextDatasetPreparer.fractionOf(sha, 2, p)
                    < 0.3));
        }
        assertTrue(differs.contains(true), "another seed moves some documents");
        assertEquals(200, c.documents());
    }

    @Test
    void fractionZeroAndOneSendEverythingToOneSide() throws Exception {
        Path in = corpus(1, 30);
        PrepareResult none = TextDatasetPreparer.prepare(List.of(in.toString()), dir.resolve("n"), 0.0, 3);
        assertEquals(0, none.evalDocuments());
        assertEquals(30, none.trainDocuments());
        try (var files = Files.list(none.evalDir())) {
            assertEquals(0, files.count(), "no file for an empty split");
        }
        PrepareResult all = TextDatasetPreparer.prepare(List.of(in.toString()), dir.resolve("a"), 1.0, 3);
        assertEquals(30, all.evalDocuments());
    }

    @Test
    void smallRecordBatchesRollOverIntoSeveralPartFilesThatShardAcrossRanks() throws Exception {
        Path in = corpus(3, 200);
        PrepareResult r = TextDatasetPreparer.prepare(List.of(in.toString()), dir.resolve("out"), 0.0, 1, 40);
        DatasetInfo info = DataLoaders.inspect(r.trainDir().toString(), DatasetKind.TOKENS, "tokens", List.of(), null);
        // every document (~60 bytes) closes its own record batch: 600 batches, 256 per file
        assertEquals(3, info.files().size(), info.files().toString());
        assertTrue(info.files().get(2).endsWith("/part-00002.arrow"), info.files().toString());
        assertEquals(600, info.rows());
        for (int rank = 0; rank < 3; rank++) {
            try (BatchSource s = DataLoaders.open(LoaderOptions.tokens(r.trainDir().toString(), "tokens", 32, 4)
                    .withShard(rank, 3), null); NDManager m = NDManager.newBaseManager()) {
                assertEquals(4, s.next(m).samples());
            }
        }
        assertEquals(0, ArrowMemory.allocatedBytes());
    }

    @Test
    void badInputsAreNamed() throws Exception {
        Path in = corpus(1, 3);
        NoSuchFileException missing = assertThrows(NoSuchFileException.class,
                () -> TextDatasetPreparer.prepare(List.of(dir.resolve("nope.txt").toString()), dir.resolve("o"), 0.1, 1));
        assertTrue(missing.getMessage().contains("nope.txt"), missing.getMessage());
        assertThrows(NoSuchFileException.class,
                () -> TextDatasetPreparer.prepare(List.of(in + "/*.md"), dir.resolve("o2"), 0.1, 1));
        IllegalArgumentException fraction = assertThrows(IllegalArgumentException.class,
                () -> TextDatasetPreparer.prepare(List.of(in.toString()), dir.resolve("o3"), 1.5, 1));
        assertTrue(fraction.getMessage().contains("evalFraction"), fraction.getMessage());
        TextDatasetPreparer.prepare(List.of(in.toString()), dir.resolve("o4"), 0.5, 1);
        IOException again = assertThrows(IOException.class,
                () -> TextDatasetPreparer.prepare(List.of(in.toString()), dir.resolve("o4"), 0.5, 1));
        assertTrue(again.getMessage().contains("already has files"), again.getMessage());
    }

    @Test
    void writesParquetToAFileUriThatReadsLikeTheArrowOutput() throws Exception {
        Path in = corpus(2, 120);
        PrepareResult arrow = TextDatasetPreparer.prepare(List.of(in.toString()), dir.resolve("arrow"), 0.1, 5);
        String uri = dir.resolve("pq").toUri().toString();
        assertTrue(uri.startsWith("file:/"), uri);
        PrepareResult parquet = TextDatasetPreparer.prepare(List.of(in.toString()), uri, "parquet", 0.1, 5,
                TextDatasetPreparer.DEFAULT_TOKENS_PER_RECORD_BATCH);
        assertEquals("parquet", parquet.format());
        assertEquals(arrow.trainTokens(), parquet.trainTokens());
        assertEquals(arrow.evalDocuments(), parquet.evalDocuments());
        assertTrue(Files.exists(parquet.trainDir().resolve("part-00000.parquet")), parquet.trainUri());

        DatasetInfo info = DataLoaders.inspect(parquet.trainUri(), DatasetKind.TOKENS, "tokens", List.of(), null);
        assertEquals(List.of("parquet"), info.formats());
        assertEquals(ByteTokenizer.VOCAB_SIZE, info.vocabSize());
        assertEquals(arrow.trainDocuments(), info.rows());
        assertTrue(info.units() >= 8, "row groups of " + TextDatasetPreparer.DEFAULT_TOKENS_PER_RECORD_BATCH
                / ParquetTokenWriter.ASSUMED_TOKENS_PER_DOCUMENT + " documents: " + info.units());

        LoaderOptions o = LoaderOptions.tokens(parquet.trainUri(), "tokens", 31, 4).withShuffleBuffer(0)
                .withPrefetch(0).withLoop(false);
        try (NDManager m = NDManager.newBaseManager();
                BatchSource p = DataLoaders.open(o, null);
                BatchSource a = DataLoaders.open(o.withUri(arrow.trainUri()), null)) {
            for (int b = 0; b < 20; b++) {
                try (NDManager step = m.newSubManager()) {
                    assertArrayEquals(a.next(step).inputs().toIntArray(), p.next(step).inputs().toIntArray(),
                            "batch " + b);
                }
            }
        }
        IOException again = assertThrows(IOException.class, () -> TextDatasetPreparer.prepare(List.of(in.toString()),
                uri, "parquet", 0.1, 5, 4096));
        assertTrue(again.getMessage().contains("already has files"), again.getMessage());
        IllegalArgumentException csv = assertThrows(IllegalArgumentException.class,
                () -> TextDatasetPreparer.prepare(List.of(in.toString()), uri, "csv", 0.1, 5, 4096));
        assertEquals("format: expected arrow or parquet, got \"csv\"", csv.getMessage());
    }
}

package dev.spindle.peft.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The image's one layer: a gzip-compressed tar holding {@code data/adapter_config.json} and
 * {@code data/adapter_model.safetensors}, the layout KAITO's tuning output and inference use.
 * Reproducible: fixed entry order, times, owners and modes, and a gzip header without a time stamp
 * (Java's {@link GZIPOutputStream} writes mtime 0), so the same bytes in give the same digest out.
 */
final class AdapterLayer {

    /** The directory in the image that holds the adapter. */
    static final String DATA_DIR = "data/";
    /** The adapter's configuration file (Hugging Face PEFT). */
    static final String CONFIG_FILE = "adapter_config.json";
    /** The adapter's weights (safetensors). */
    static final String MODEL_FILE = "adapter_model.safetensors";
    /** The files, in the order the tar holds them. */
    static final List<String> FILES = List.of(CONFIG_FILE, MODEL_FILE);
    /** Every entry's modification time: one second after the epoch, as Jib does (0 confuses some tools). */
    static final long DEFAULT_MODIFICATION_TIME_MS = 1_000L;
    /** Files are world-readable so any container user can read a mounted adapter. */
    static final int FILE_MODE = 0100644;
    static final int DIR_MODE = 040755;
    /** Tar records of one block: the default (20 blocks) pads every layer by up to 10 KB of zeros. */
    private static final int TAR_BLOCK_SIZE = 512;

    /** The compressed layer, its digest and the digest of the uncompressed tar (the config's diff_id). */
    record Blob(byte[] bytes, String digest, String diffId) {}

    private AdapterLayer() {}

    /** Builds the layer from the two files' bytes, keyed by file name. */
    static Blob write(Map<String, byte[]> files) {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        MessageDigest tarDigest = Digests.sha256();
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed, 64 * 1024);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(
                        new DigestOutputStream(gzip, tarDigest), TAR_BLOCK_SIZE)) {
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.putArchiveEntry(entry(DATA_DIR, 0, DIR_MODE));
            tar.closeArchiveEntry();
            for (String name : FILES) {
                byte[] content = files.get(name);
                tar.putArchiveEntry(entry(DATA_DIR + name, content.length, FILE_MODE));
                tar.write(content);
                tar.closeArchiveEntry();
            }
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the adapter layer in memory", e);
        }
        byte[] bytes = compressed.toByteArray();
        return new Blob(bytes, Digests.sha256(bytes), Digests.hex(tarDigest.digest()));
    }

    /**
     * Reads the two adapter files out of a layer. Other entries are ignored; nothing is written to disk
     * here, so a hostile entry name cannot escape a directory.
     */
    static Map<String, byte[]> read(InputStream layer) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(layer, 64 * 1024))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                String name = e.getName().startsWith("/") ? e.getName().substring(1) : e.getName();
                if (e.isFile() && name.startsWith(DATA_DIR) && FILES.contains(name.substring(DATA_DIR.length()))) {
                    files.put(name.substring(DATA_DIR.length()), tar.readAllBytes());
                }
            }
        } catch (IOException e) {
            throw new AdapterImageException("the adapter layer is not a readable tar.gz", e);
        }
        for (String name : FILES) {
            if (!files.containsKey(name)) {
                throw new AdapterImageException("the adapter layer holds no /" + DATA_DIR + name
                        + "; the image is not a Spindle/KAITO adapter");
            }
        }
        return files;
    }

    private static TarArchiveEntry entry(String name, long size, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(size);
        e.setMode(mode);
        e.setModTime(DEFAULT_MODIFICATION_TIME_MS);
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName("");
        e.setGroupName("");
        return e;
    }
}

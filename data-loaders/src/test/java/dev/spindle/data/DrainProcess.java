package dev.spindle.data;

import ai.djl.ndarray.NDManager;
import dev.spindle.train.BatchSource;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * A child JVM for {@link AbfsEpochFaultIT}: reads {@code N} batches of a token dataset through
 * {@link DataLoaders} (shuffle and prefetch on, storage settings from its environment), one every
 * {@code sleepMillis}, printing {@code batch i} after each and finally the SHA-256 of every batch's
 * contents.
 *
 * <pre>
 * java ... dev.spindle.data.DrainProcess URI BATCHES SLEEP_MILLIS
 * </pre>
 */
public final class DrainProcess {

    private DrainProcess() {}

    /** The options both the child and the test's reference read use. */
    static LoaderOptions options(String uri) {
        return LoaderOptions.tokens(uri, "tokens", 16, 4).withShuffleBuffer(32).withPrefetch(2).withLoop(true);
    }

    /** SHA-256 over the contents of batches, in order. */
    static String digest(List<int[]> batches) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (int[] batch : batches) {
            ByteBuffer bytes = ByteBuffer.allocate(batch.length * Integer.BYTES);
            bytes.asIntBuffer().put(batch);
            sha.update(bytes);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        int batches = Integer.parseInt(args[1]);
        long sleepMillis = Long.parseLong(args[2]);
        try (NDManager manager = NDManager.newBaseManager();
                BatchSource source = DataLoaders.open(options(uri), null)) {
            List<int[]> all = new java.util.ArrayList<>();
            for (int i = 0; i < batches; i++) {
                all.addAll(Drain.batches(source, manager, 1));
                System.out.println("batch " + i);
                System.out.flush();
                Thread.sleep(sleepMillis);
            }
            System.out.println("digest " + digest(all));
        }
    }
}

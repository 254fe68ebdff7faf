package dev.spindle.cluster.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The per-job secret that admits a process to the job's cluster and data plane: 32 random bytes that
 * {@code spindle train} makes for each run and hands to its processes as a file only the owner can read
 * (on Kubernetes, a Secret mounted into the pods).
 *
 * <p>Uses are separated by {@link #derive(String)}: the TLS key-store password and the data-plane
 * handshake key are different keys made from the same secret, so one never reveals the other.
 *
 * <pre>{@code
 * JobSecret secret = JobSecret.generate();
 * secret.write(runDir.resolve("job.secret"));
 * byte[] tag = JobSecret.read(file).hmac("dataplane", challenge);
 * }</pre>
 */
public final class JobSecret {

    /** Bytes of randomness in a secret. */
    public static final int BYTES = 32;

    private static final HexFormat HEX = HexFormat.of();

    private final byte[] key;

    private JobSecret(byte[] key) {
        this.key = key.clone();
    }

    /** A new random secret. */
    public static JobSecret generate() {
        byte[] key = new byte[BYTES];
        new SecureRandom().nextBytes(key);
        return new JobSecret(key);
    }

    /** The secret written as {@code hex} (64 hexadecimal digits). */
    public static JobSecret fromHex(String hex) {
        String trimmed = hex == null ? "" : hex.strip();
        if (trimmed.length() != 2 * BYTES) {
            throw new IllegalArgumentException("a job secret is " + 2 * BYTES + " hexadecimal digits, got "
                    + trimmed.length() + " characters; use the file spindle train wrote (job.secret)");
        }
        try {
            return new JobSecret(HEX.parseHex(trimmed));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a job secret is " + 2 * BYTES + " hexadecimal digits; the value"
                    + " given holds other characters; use the file spindle train wrote (job.secret)", e);
        }
    }

    /** Reads a secret file written by {@link #write(Path)}. */
    public static JobSecret read(Path file) throws IOException {
        try {
            return fromHex(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("job secret file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes the secret as hex to a new file readable by its owner only. */
    public void write(Path file) throws IOException {
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(file);
        }
        Files.writeString(file, HEX.formatHex(key) + "\n", StandardCharsets.US_ASCII,
                StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** A key for one use ({@code "tls-store"}, {@code "dataplane"}) made from this secret. */
    public byte[] derive(String purpose) {
        return hmac("spindle/" + purpose, new byte[0]);
    }

    /** HMAC-SHA256 of {@code parts}, in order, keyed by the key derived for {@code purpose}. */
    public byte[] hmac(String purpose, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(purpose.startsWith("spindle/") ? key : derive(purpose), "HmacSHA256"));
            if (purpose.startsWith("spindle/")) {
                mac.update(purpose.getBytes(StandardCharsets.UTF_8));
            }
            for (byte[] part : parts) {
                mac.update(part);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    /** A password string for key stores, derived for {@code purpose}. */
    public char[] password(String purpose) {
        return HEX.formatHex(derive(purpose)).toCharArray();
    }

    /** Constant-time comparison of two MACs. */
    public static boolean sameMac(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    @Override
    public String toString() {
        return "JobSecret[redacted]";
    }
}

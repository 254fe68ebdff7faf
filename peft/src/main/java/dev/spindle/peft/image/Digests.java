package dev.spindle.peft.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 in OCI's {@code sha256:<hex>} form: the identity of every blob and manifest. */
final class Digests {

    private static final String PREFIX = "sha256:";

    private Digests() {}

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    static String sha256(byte[] bytes) {
        return hex(sha256().digest(bytes));
    }

    static String hex(byte[] digest) {
        return PREFIX + HexFormat.of().formatHex(digest);
    }
}

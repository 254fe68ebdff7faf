package dev.spindle.data.prepare;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A byte-level tokenizer: token {@code 0..255} is one UTF-8 byte, token {@link #END_OF_DOCUMENT} ends a
 * document. Needs no vocabulary file and round-trips any text.
 *
 * <pre>{@code
 * ByteTokenizer t = new ByteTokenizer();
 * int[] ids = t.encode("hé");      // [104, 195, 169, 256]
 * String s = t.decode(ids);         // "hé"
 * }</pre>
 */
public final class ByteTokenizer {

    /** The name written to the {@code spindle.tokenizer} schema metadata. */
    public static final String NAME = "bytes";
    /** The token that ends every document. */
    public static final int END_OF_DOCUMENT = 256;
    /** 256 byte values plus the end-of-document token. */
    public static final int VOCAB_SIZE = 257;

    /** The UTF-8 bytes of {@code text}, then {@link #END_OF_DOCUMENT}. */
    public int[] encode(String text) {
        if (text == null) {
            throw new IllegalArgumentException("text to encode must not be null");
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length + 1];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xFF;
        }
        ids[bytes.length] = END_OF_DOCUMENT;
        return ids;
    }

    /**
     * The text of {@code tokens}: end-of-document tokens are dropped (so {@code decode(encode(s)) == s}),
     * byte sequences that are not valid UTF-8 (a sequence cut mid-character) become U+FFFD.
     */
    public String decode(int[] tokens) {
        if (tokens == null) {
            throw new IllegalArgumentException("tokens to decode must not be null");
        }
        ByteBuffer bytes = ByteBuffer.allocate(tokens.length);
        for (int i = 0; i < tokens.length; i++) {
            int t = tokens[i];
            if (t < 0 || t > END_OF_DOCUMENT) {
                throw new IllegalArgumentException("tokens[" + i + "] = " + t + " is not a byte token;"
                        + " expected 0.." + END_OF_DOCUMENT);
            }
            if (t != END_OF_DOCUMENT) {
                bytes.put((byte) t);
            }
        }
        bytes.flip();
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try {
            CharBuffer chars = decoder.decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder does not throw", e);
        }
    }
}

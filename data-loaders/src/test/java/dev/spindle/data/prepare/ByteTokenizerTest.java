package dev.spindle.data.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ByteTokenizerTest {

    private final ByteTokenizer tokenizer = new ByteTokenizer();

    @Test
    void encodesUtf8BytesThenEndOfDocument() {
        // 'h' = 0x68, 'é' = C3 A9 in UTF-8
        assertArrayEquals(new int[] {0x68, 0xC3, 0xA9, 256}, tokenizer.encode("hé"));
        assertArrayEquals(new int[] {256}, tokenizer.encode(""));
        assertEquals(257, ByteTokenizer.VOCAB_SIZE);
    }

    @Test
    void decodeInvertsEncodeAndDropsEndOfDocumentTokens() {
        String text = "Ünïcödé, 漢字 and emoji 🙂\nnext line";
        assertEquals(text, tokenizer.decode(tokenizer.encode(text)));
        int[] two = {0x61, 256, 0x62, 256};
        assertEquals("ab", tokenizer.decode(two));
    }

    @Test
    void tokensAreBytesOfTheUtf8Encoding() {
        String text = "naïve ÆØÅ";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = tokenizer.encode(text);
        assertEquals(bytes.length + 1, ids.length);
        for (int i = 0; i < bytes.length; i++) {
            assertEquals(Byte.toUnsignedInt(bytes[i]), ids[i]);
        }
    }

    @Test
    void outOfRangeTokenIsNamedByIndexAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.decode(new int[] {1, 2, 257}));
        assertTrue(e.getMessage().contains("tokens[2] = 257"), e.getMessage());
    }

    @Test
    void cutMultibyteCharacterDecodesToReplacementCharacter() {
        assertEquals("a\uFFFD", tokenizer.decode(new int[] {0x61, 0xC3}));
    }
}

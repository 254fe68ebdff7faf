package dev.spindle.peft.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ImageRefTest {

    @Test
    void parsesLayoutRef() {
        ImageRef ref = ImageRef.parse("oci-layout:runs/adapters:v1");
        assertEquals(Path.of("runs/adapters"), ref.layoutDir());
        assertEquals("v1", ref.tag());
        assertTrue(ref.isLayout());
        assertEquals("oci-layout:runs/adapters:v1", ref.toString());
    }

    @Test
    void parsesRegistryRefWithPort() {
        ImageRef ref = ImageRef.parse("127.0.0.1:5000/adapters/chat:v2");
        assertEquals("127.0.0.1:5000", ref.registry());
        assertEquals("adapters/chat", ref.repository());
        assertEquals("v2", ref.tag());
        assertTrue(ref.plainHttp());
        assertFalse(ImageRef.parse("myacr.azurecr.io/adapters/chat:v2").plainHttp());
    }

    @Test
    void repositoryWithoutTagForListing() {
        assertNull(ImageRef.parseRepository("localhost:5000/adapters/chat").tag());
        assertNull(ImageRef.parseRepository("oci-layout:/tmp/adapters").tag());
    }

    @Test
    void pushRefNeedsATag() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageRef.parse("myacr.azurecr.io/adapters/chat"));
        assertTrue(e.getMessage().contains("no version tag"), e.getMessage());
    }

    @Test
    void refusesRefWithoutRegistryHost() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageRef.parse("adapters/chat:v1"));
        assertTrue(e.getMessage().contains("'adapters/chat:v1'") && e.getMessage().contains("oci-layout:"), e.getMessage());
    }

    @Test
    void refusesUpperCaseRepositoryAndBadTag() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageRef.parse("localhost:5000/Chat:v1"))
                .getMessage().contains("'Chat'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageRef.parse("localhost:5000/chat:-v1"))
                .getMessage().contains("'-v1'"));
    }
}

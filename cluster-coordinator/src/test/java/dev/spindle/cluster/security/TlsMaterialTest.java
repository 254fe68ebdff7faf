package dev.spindle.cluster.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsMaterialTest {

    @TempDir
    Path dir;

    @Test
    void makesASelfSignedKeyEntryThatTheJobSecretOpens() throws Exception {
        JobSecret secret = JobSecret.generate();
        TlsMaterial tls = TlsMaterial.create(secret, dir);

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(tls.store())) {
            store.load(in, secret.password("tls-store"));
        }
        assertTrue(store.isKeyEntry(TlsMaterial.ALIAS));
        X509Certificate certificate = (X509Certificate) store.getCertificate(TlsMaterial.ALIAS);
        certificate.verify(certificate.getPublicKey());
        certificate.checkValidity();
        assertEquals(certificate.getSubjectX500Principal(), certificate.getIssuerX500Principal());
        assertEquals(tls.store(), TlsMaterial.open(secret, dir).store());
        assertTrue(tls.arteryConfig().contains("require-mutual-authentication = on"));
    }

    @Test
    void anotherSecretDoesNotOpenTheStore() throws Exception {
        TlsMaterial.create(JobSecret.generate(), dir);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TlsMaterial.open(JobSecret.generate(), dir));

        assertTrue(e.getMessage().contains("does not open the TLS store"), e.getMessage());
    }

    @Test
    void aMissingStoreIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TlsMaterial.open(JobSecret.generate(), dir.resolve("nowhere")));

        assertTrue(e.getMessage().contains(TlsMaterial.STORE_FILE), e.getMessage());
    }
}

package dev.spindle.cluster.security;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The TLS key material of one job's Pekko cluster: a self-signed certificate and its key in a PKCS12
 * store protected by {@code secret.password("tls-store")}. Every node of the job uses the same store as
 * its key store and its trust store, so Artery's mutual TLS admits exactly the holders of the store
 * (and, to open it, of the job secret).
 *
 * <pre>{@code
 * TlsMaterial tls = TlsMaterial.create(secret, runDir.resolve("tls"));   // launcher, once per job
 * TlsMaterial same = TlsMaterial.open(secret, runDir.resolve("tls"));    // every node
 * Config artery = tls.arteryConfig();
 * }</pre>
 */
public final class TlsMaterial {

    /** The file name of the key store inside the TLS directory. */
    public static final String STORE_FILE = "job-tls.p12";
    /** The alias of the job's key and certificate in the store. */
    public static final String ALIAS = "spindle-job";
    /** How long a job certificate is valid. */
    public static final Duration VALIDITY = Duration.ofDays(30);

    private static final String PURPOSE = "tls-store";

    private final Path store;
    private final char[] password;

    private TlsMaterial(Path store, char[] password) {
        this.store = store;
        this.password = password;
    }

    /**
     * Makes a new key pair and self-signed certificate in {@code dir/job-tls.p12} (replacing an older
     * one) and returns it.
     */
    public static TlsMaterial create(JobSecret secret, Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256, new SecureRandom());
            KeyPair pair = generator.generateKeyPair();
            X500Name name = new X500Name("CN=spindle-job");
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(VALIDITY)), name, pair.getPublic());
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            char[] password = secret.password(PURPOSE);
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setKeyEntry(ALIAS, pair.getPrivate(), password, new X509Certificate[] {certificate});
            Path target = dir.resolve(STORE_FILE);
            Path temporary = Files.createTempFile(dir, STORE_FILE, ".tmp");
            try (OutputStream out = Files.newOutputStream(temporary)) {
                keyStore.store(out, password);
            }
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new TlsMaterial(target, password);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("could not make the job's TLS certificate: " + e.getMessage(), e);
        }
    }

    /**
     * The material {@link #create} wrote in {@code dir}; fails with one line if it is missing or the
     * secret does not open it.
     */
    public static TlsMaterial open(JobSecret secret, Path dir) throws IOException {
        Path target = dir.resolve(STORE_FILE);
        if (!Files.isRegularFile(target)) {
            throw new IllegalArgumentException("no job TLS store at " + target
                    + "; the launcher makes it with TlsMaterial.create before starting the nodes");
        }
        char[] password = secret.password(PURPOSE);
        try (var in = Files.newInputStream(target)) {
            KeyStore.getInstance("PKCS12").load(in, password);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("the job secret does not open the TLS store " + target
                    + " (" + e.getMessage() + "); use the job.secret of the same run", e);
        }
        return new TlsMaterial(target, password);
    }

    /** The PKCS12 store. */
    public Path store() {
        return store;
    }

    /**
     * HOCON for {@code pekko.remote.artery}: TLS over TCP with {@code ConfigSSLEngineProvider}, mutual
     * authentication, this store as key store and trust store.
     */
    public String arteryConfig() {
        String path = store.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"");
        String pw = new String(password);
        return "pekko.remote.artery.transport = tls-tcp\n"
                + "pekko.remote.artery.ssl.ssl-engine-provider = org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider\n"
                + "pekko.remote.artery.ssl.config-ssl-engine {\n"
                + "  key-store = \"" + path + "\"\n"
                + "  trust-store = \"" + path + "\"\n"
                + "  key-store-password = \"" + pw + "\"\n"
                + "  key-password = \"" + pw + "\"\n"
                + "  trust-store-password = \"" + pw + "\"\n"
                + "  protocol = \"TLSv1.3\"\n"
                + "  enabled-algorithms = [\"TLS_AES_128_GCM_SHA256\", \"TLS_AES_256_GCM_SHA384\"]\n"
                + "  require-mutual-authentication = on\n"
                + "  hostname-verification = off\n"
                + "}\n";
    }

    @Override
    public String toString() {
        return "TlsMaterial[" + store + "]";
    }
}

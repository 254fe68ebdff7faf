package dev.spindle.launcher.kube.render;

import dev.spindle.cluster.security.JobSecret;
import dev.spindle.cluster.security.TlsMaterial;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The contents of a job's Secret: the job secret file ({@code job.secret}, as {@link JobSecret#write}
 * writes it) and the TLS store made from it ({@code job-tls.p12}). Never printed: {@link #toString} is
 * redacted.
 *
 * <pre>{@code
 * ClusterSecret secret = ClusterSecret.generate();
 * JobResources.render(job, RenderOptions.defaults(ns).withSecret(secret));
 * secret.write(Path.of("manifests/jobs/train/secret"));   // for kubectl apply -k
 * }</pre>
 *
 * @param jobSecret the bytes of the {@code job.secret} file
 * @param tlsStore the bytes of the PKCS12 store
 */
public record ClusterSecret(byte[] jobSecret, byte[] tlsStore) {

    public ClusterSecret {
        jobSecret = jobSecret.clone();
        tlsStore = tlsStore.clone();
    }

    /** A new random job secret and its TLS store (made in a temporary folder, deleted again). */
    public static ClusterSecret generate() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("spindle-secret",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            JobSecret secret = JobSecret.generate();
            Path file = dir.resolve(JobNames.KEY_SECRET);
            secret.write(file);
            TlsMaterial tls = TlsMaterial.create(secret, dir);
            return new ClusterSecret(Files.readAllBytes(file), Files.readAllBytes(tls.store()));
        } catch (IOException e) {
            throw new UncheckedIOException("could not make a job secret in a temporary folder: " + e.getMessage(), e);
        } finally {
            deleteQuietly(dir);
        }
    }

    @Override
    public byte[] jobSecret() {
        return jobSecret.clone();
    }

    @Override
    public byte[] tlsStore() {
        return tlsStore.clone();
    }

    /**
     * Writes {@code job.secret} and {@code job-tls.p12} into {@code dir} (made if needed), readable by the
     * owner only: the files a job's kustomization puts into its Secret.
     */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        writeOwnerOnly(dir.resolve(JobNames.KEY_SECRET), jobSecret);
        writeOwnerOnly(dir.resolve(JobNames.KEY_TLS_STORE), tlsStore);
    }

    private static void writeOwnerOnly(Path target, byte[] bytes) throws IOException {
        Files.deleteIfExists(target);
        Files.createFile(target, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(target, bytes);
    }

    @Override
    public String toString() {
        return "ClusterSecret[redacted]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ClusterSecret s && Arrays.equals(jobSecret, s.jobSecret)
                && Arrays.equals(tlsStore, s.tlsStore);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(jobSecret) + Arrays.hashCode(tlsStore);
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temporary folder left behind holds a secret nobody uses; the caller's result is still good.
            System.getLogger(ClusterSecret.class.getName()).log(System.Logger.Level.WARNING,
                    "could not delete temporary folder " + dir + ": " + e.getMessage());
        }
    }
}

package dev.spindle.cluster.dataplane;

import dev.spindle.cluster.security.JobSecret;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * The data-plane handshake: a mutual HMAC-SHA256 challenge-response keyed by the job secret's
 * {@code "dataplane"} key, binding the generation and both ranks.
 *
 * <pre>
 * dialer   -> acceptor : "SPDP" version generation dialerRank acceptorRank nonceD(32)
 * acceptor -> dialer   : nonceA(32) HMAC("acceptor", generation, dialerRank, acceptorRank, nonceD, nonceA)
 * dialer   -> acceptor : HMAC("dialer", generation, dialerRank, acceptorRank, nonceD, nonceA)
 * acceptor -> dialer   : one status byte (ACCEPTED, OLD_GENERATION, DUPLICATE_RANK)
 * </pre>
 * Each side proves the secret over the other's fresh nonce, and the two MACs carry different labels,
 * so neither a recorded exchange nor a reflected MAC passes.
 */
final class Handshake {

    static final int MAGIC = 0x53504450; // "SPDP"
    static final int VERSION = 1;
    static final int NONCE_BYTES = 32;
    static final int MAC_BYTES = 32;
    static final int HELLO_BYTES = 4 + 4 + 8 + 4 + 4 + NONCE_BYTES;

    static final byte ACCEPTED = 1;
    static final byte OLD_GENERATION = 2;
    static final byte DUPLICATE_RANK = 3;
    static final byte WRONG_RANK = 4;

    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a dialer claimed in its hello. */
    record Hello(long generation, int dialerRank, int acceptorRank, byte[] nonce) {}

    private Handshake() {}

    static byte[] nonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    static byte[] mac(JobSecret secret, String role, long generation, int dialerRank, int acceptorRank,
                      byte[] dialerNonce, byte[] acceptorNonce) {
        ByteBuffer binding = ByteBuffer.allocate(16).putLong(generation).putInt(dialerRank).putInt(acceptorRank);
        return secret.hmac("dataplane", role.getBytes(StandardCharsets.US_ASCII), binding.array(), dialerNonce,
                acceptorNonce);
    }

    /** The dialer's half; returns the acceptor's status byte (a refusal closes the channel after it). */
    static byte dial(SocketChannel channel, JobSecret secret, long generation, int rank, int peer, long deadline)
            throws IOException, HandshakeException {
        byte[] nonceD = nonce();
        ByteBuffer hello = ByteBuffer.allocate(HELLO_BYTES).putInt(MAGIC).putInt(VERSION).putLong(generation)
                .putInt(rank).putInt(peer).put(nonceD).flip();
        Io.writeFully(channel, hello, deadline);
        ByteBuffer challenge = ByteBuffer.allocate(NONCE_BYTES + MAC_BYTES);
        Io.readFully(channel, challenge, deadline);
        challenge.flip();
        byte[] nonceA = new byte[NONCE_BYTES];
        byte[] macA = new byte[MAC_BYTES];
        challenge.get(nonceA).get(macA);
        if (!JobSecret.sameMac(macA, mac(secret, "acceptor", generation, rank, peer, nonceD, nonceA))) {
            throw new HandshakeException("it did not prove the job secret (a wrong secret, or not this job's data plane)");
        }
        Io.writeFully(channel, ByteBuffer.wrap(mac(secret, "dialer", generation, rank, peer, nonceD, nonceA)), deadline);
        ByteBuffer status = ByteBuffer.allocate(1);
        Io.readFully(channel, status, deadline);
        return status.get(0);
    }

    /** The acceptor's half up to the status byte: returns the verified hello. */
    static Hello accept(SocketChannel channel, JobSecret secret, long deadline) throws IOException, HandshakeException {
        ByteBuffer hello = ByteBuffer.allocate(HELLO_BYTES);
        Io.readFully(channel, hello, deadline);
        hello.flip();
        int magic = hello.getInt();
        int version = hello.getInt();
        if (magic != MAGIC) {
            throw new HandshakeException("not a Spindle data-plane hello");
        }
        if (version != VERSION) {
            throw new HandshakeException("data-plane protocol version " + version + ", this side speaks " + VERSION);
        }
        long generation = hello.getLong();
        int dialerRank = hello.getInt();
        int acceptorRank = hello.getInt();
        byte[] nonceD = new byte[NONCE_BYTES];
        hello.get(nonceD);
        byte[] nonceA = nonce();
        ByteBuffer challenge = ByteBuffer.allocate(NONCE_BYTES + MAC_BYTES).put(nonceA)
                .put(mac(secret, "acceptor", generation, dialerRank, acceptorRank, nonceD, nonceA)).flip();
        Io.writeFully(channel, challenge, deadline);
        ByteBuffer answer = ByteBuffer.allocate(MAC_BYTES);
        Io.readFully(channel, answer, deadline);
        if (!JobSecret.sameMac(answer.array(), mac(secret, "dialer", generation, dialerRank, acceptorRank, nonceD, nonceA))) {
            throw new HandshakeException("wrong job secret (HMAC mismatch) claiming rank " + dialerRank
                    + " of generation " + generation);
        }
        return new Hello(generation, dialerRank, acceptorRank, nonceD);
    }

    /** A handshake the other side failed; the message says how. */
    static final class HandshakeException extends Exception {
        private static final long serialVersionUID = 1L;

        HandshakeException(String message) {
            super(message);
        }
    }
}

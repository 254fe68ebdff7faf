package dev.spindle.cluster.dataplane;

import java.net.InetSocketAddress;

/**
 * Where a rank's data-plane listener can be dialed: a host and a TCP port.
 *
 * <pre>{@code
 * PeerAddress a = PeerAddress.parse("127.0.0.1:40123");
 * String wire = a.toString(); // "127.0.0.1:40123"
 * }</pre>
 */
public record PeerAddress(String host, int port) {

    public PeerAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("a data-plane address needs a host, got " + host);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("a data-plane port is 1..65535, got " + port + " (host " + host + ")");
        }
    }

    /** Parses {@code host:port} (an IPv6 host in brackets: {@code [::1]:40123}). */
    public static PeerAddress parse(String hostPort) {
        String text = hostPort == null ? "" : hostPort.strip();
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("a data-plane address is host:port, got '" + hostPort + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a data-plane address is host:port with a numeric port, got '"
                    + hostPort + "'", e);
        }
        return new PeerAddress(host, port);
    }

    InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** {@code host:port}, the form {@link #parse} reads. */
    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}

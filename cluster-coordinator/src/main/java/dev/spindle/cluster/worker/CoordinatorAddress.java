package dev.spindle.cluster.worker;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.Security;
import java.time.Duration;

/**
 * Turns the coordinator's {@code host:port} into {@code ip:port} before a worker joins. On Kubernetes a worker
 * is told the coordinator's Service name ({@code J-coordinator:25520}), but Pekko only accepts a seed whose host
 * is the coordinator's canonical host, its pod IP; and a worker pod often starts before the coordinator pod
 * has an IP, so the name does not resolve yet. The lookup is retried with backoff (0.2 s doubling to 5 s)
 * until it answers or the job's rendezvous timeout has passed.
 *
 * <pre>{@code
 * String seed = CoordinatorAddress.resolve("mnist-coordinator:25520", Duration.ofSeconds(120));  // "10.1.2.3:25520"
 * }</pre>
 */
final class CoordinatorAddress {

    /** The first wait between lookups; it doubles up to {@link #MAX_BACKOFF}. */
    static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    /** One DNS lookup: the address of {@code host}, or {@link UnknownHostException} while it has none. */
    @FunctionalInterface
    interface Lookup {
        InetAddress lookup(String host) throws UnknownHostException;
    }

    /** Time as the retry loop sees it; tests replace it so they do not sleep. */
    interface Clock {
        long nanoTime();

        void sleep(Duration d) throws InterruptedException;

        Clock SYSTEM = new Clock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleep(Duration d) throws InterruptedException {
                Thread.sleep(d.toMillis());
            }
        };
    }

    private CoordinatorAddress() {}

    /**
     * Stops the JVM from caching "no such host" (10 s by default): a Service name that has no address yet is
     * asked again at every retry. Call before the first lookup of the process.
     */
    static void disableNegativeDnsCache() {
        Security.setProperty("networkaddress.cache.negative.ttl", "0");
    }

    /** {@link #resolve(String, Duration, Lookup, Clock)} with the system resolver and clock. */
    static String resolve(String hostPort, Duration timeout) throws InterruptedException {
        return resolve(hostPort, timeout, preferIpv4(), Clock.SYSTEM);
    }

    /**
     * {@code hostPort} with its host replaced by the address it resolves to ({@code ip:port}); an IP literal
     * comes back as it is.
     *
     * @throws IllegalArgumentException if {@code hostPort} is not {@code host:port}
     * @throws IllegalStateException if the host has no address once {@code timeout} has passed
     */
    static String resolve(String hostPort, Duration timeout, Lookup lookup, Clock clock) throws InterruptedException {
        int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        if (colon <= 0 || !hostPort.substring(colon + 1).matches("\\d{1,5}")) {
            throw new IllegalArgumentException("--coordinator must be host:port (a pod IP or the coordinator"
                    + " Service's name and the Pekko port), got " + hostPort);
        }
        String host = hostPort.substring(0, colon);
        String port = hostPort.substring(colon + 1);
        long deadline = clock.nanoTime() + timeout.toNanos();
        Duration backoff = FIRST_BACKOFF;
        int attempts = 0;
        while (true) {
            attempts++;
            String failure;
            try {
                return lookup.lookup(host).getHostAddress() + ":" + port;
            } catch (UnknownHostException e) {
                failure = e.getMessage() == null ? "unknown host" : e.getMessage();
            }
            long left = deadline - clock.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("the coordinator's address " + host + " did not resolve within "
                        + timeout.toSeconds() + " s (spec.elastic.rendezvousTimeoutSeconds; " + attempts
                        + " lookups, last: " + failure + "); is the coordinator pod running and its Service "
                        + host + " in this namespace?");
            }
            clock.sleep(Duration.ofNanos(Math.min(backoff.toNanos(), left)));
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    /** The system resolver, preferring an IPv4 address (Pekko's seed URI here is {@code host:port}). */
    private static Lookup preferIpv4() {
        return host -> {
            InetAddress[] all = InetAddress.getAllByName(host);
            for (InetAddress a : all) {
                if (a instanceof Inet4Address) {
                    return a;
                }
            }
            return all[0];
        };
    }
}

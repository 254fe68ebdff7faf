package dev.spindle.cluster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CoordinatorAddressTest {

    /** A clock that only moves when the retry loop sleeps, recording each sleep. */
    private static final class FakeClock implements CoordinatorAddress.Clock {
        long now;
        final List<Duration> sleeps = new ArrayList<>();

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleep(Duration d) {
            sleeps.add(d);
            now += d.toNanos();
        }
    }

    /** A name that has no address for its first {@code failures} lookups, then 10.244.1.7. */
    private static CoordinatorAddress.Lookup appearsAfter(int failures, List<String> asked) {
        return host -> {
            asked.add(host);
            if (asked.size() <= failures) {
                throw new UnknownHostException(host + ": Name or service not known");
            }
            return InetAddress.getByAddress(host, new byte[] {10, (byte) 244, 1, 7});
        };
    }

    private final List<String> asked = new ArrayList<>();
    private final FakeClock clock = new FakeClock();

    /** Resolves {@code hostPort} against a name that appears after {@code failures} lookups. */
    private String resolve(String hostPort, int timeoutSeconds, int failures) throws InterruptedException {
        return CoordinatorAddress.resolve(hostPort, Duration.ofSeconds(timeoutSeconds), appearsAfter(failures, asked),
                clock);
    }

    @Test
    void aServiceNameBecomesThePodIpWithThePortKept() throws Exception {
        assertEquals("10.244.1.7:25520", resolve("mnist-coordinator:25520", 60, 0));
        assertEquals(List.of("mnist-coordinator"), asked);
        assertTrue(clock.sleeps.isEmpty());
    }

    @Test
    void retriesWithGrowingBackoffUntilTheNameResolves() throws Exception {
        assertEquals("10.244.1.7:25520", resolve("job-coordinator:25520", 120, 7));
        assertEquals(8, asked.size());
        assertEquals(List.of(Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(800),
                Duration.ofMillis(1600), Duration.ofMillis(3200), Duration.ofSeconds(5), Duration.ofSeconds(5)),
                clock.sleeps);
    }

    @Test
    void givesUpAfterTheRendezvousTimeoutNamingTheHost() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> resolve("gone-coordinator:25520", 10, Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("gone-coordinator did not resolve within 10 s"), e.getMessage());
        assertTrue(e.getMessage().contains("rendezvousTimeoutSeconds"), e.getMessage());
        // The last wait is cut to the deadline, so the loop never sleeps past it.
        assertEquals(Duration.ofSeconds(10).toNanos(), clock.now);
        assertTrue(asked.size() >= 2 && asked.size() <= 10, "lookups: " + asked.size());
    }

    @Test
    void anIpLiteralResolvesToItselfWithTheSystemResolver() throws Exception {
        assertEquals("127.0.0.1:25520", CoordinatorAddress.resolve("127.0.0.1:25520", Duration.ofSeconds(1)));
    }

    @Test
    void rejectsAnAddressWithoutAPort() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CoordinatorAddress.resolve("mnist-coordinator", Duration.ofSeconds(1)));
        assertTrue(e.getMessage().startsWith("--coordinator must be host:port"), e.getMessage());
    }
}

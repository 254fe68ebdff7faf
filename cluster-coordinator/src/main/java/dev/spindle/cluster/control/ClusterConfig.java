package dev.spindle.cluster.control;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.spindle.cluster.security.TlsMaterial;
import java.util.List;

/**
 * Builds one node's Pekko config: explicit overrides, then {@code -D} system properties (so an operator can
 * tune e.g. {@code -Dpekko.cluster.failure-detector.acceptable-heartbeat-pause=6s}), then per-node values,
 * then {@code spindle-cluster.conf}, then Pekko's reference.
 */
final class ClusterConfig {

    /** The name of every job's ActorSystem (addresses are {@code pekko://spindle@host:port}). */
    static final String SYSTEM_NAME = "spindle";
    static final String RESOURCE = "spindle-cluster.conf";
    static final String COORDINATOR_ROLE = "coordinator";
    static final String WORKER_ROLE = "worker";

    private ClusterConfig() {}

    static Config node(String role, String host, int port, List<String> seeds, TlsMaterial tls, Config overrides) {
        Config perNode = ConfigFactory.empty()
                .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(host))
                .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
                .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(List.of(role)))
                .withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds));
        return overrides
                .withFallback(ConfigFactory.defaultOverrides())
                .withFallback(perNode)
                .withFallback(ConfigFactory.parseString(tls.arteryConfig()))
                .withFallback(ConfigFactory.parseResources(ClusterConfig.class.getClassLoader(), RESOURCE))
                .withFallback(ConfigFactory.defaultReference(ClusterConfig.class.getClassLoader()))
                .resolve();
    }

    /** Terminates a node's actor system and waits up to 15 s for it; {@code what} names it in the warning. */
    static void terminate(org.apache.pekko.actor.typed.ActorSystem<?> system, String what) {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(15, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(ClusterConfig.class).warn("{} did not shut down within 15 s: {}", what,
                    e.toString());
        }
    }

    /** "pekko://spindle@host:port" from "host:port", with a clear message for anything else. */
    static String seedUri(String hostPort) {
        if (hostPort == null || !hostPort.matches("[^:\\s/@]+:\\d{1,5}")) {
            throw new IllegalArgumentException("coordinator address must be host:port (as CoordinatorNode.seedAddress()"
                    + " prints it), got " + hostPort);
        }
        return "pekko://" + SYSTEM_NAME + "@" + hostPort;
    }
}

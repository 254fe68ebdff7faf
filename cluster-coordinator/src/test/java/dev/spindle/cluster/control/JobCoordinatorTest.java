package dev.spindle.cluster.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.spindle.cluster.security.JobSecret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The coordinator's protocol with probes standing in for worker agents, on a one-node cluster. */
class JobCoordinatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private ActorTestKit kit;
    private JobCluster.MemoryCommitter committer;
    private RunLog log;
    private CompletableFuture<JobOutcome> outcome;
    private ActorRef<JobCoordinator.Command> coordinator;

    @BeforeEach
    void start() {
        kit = ActorTestKit.create("spindle", ConfigFactory.parseString("""
                pekko.actor.provider = cluster
                pekko.remote.artery.transport = tcp
                pekko.remote.artery.canonical.hostname = 127.0.0.1
                pekko.remote.artery.canonical.port = 0
                pekko.cluster.jmx.enabled = off
                pekko.loglevel = WARNING
                """));
        Cluster cluster = Cluster.get(kit.system());
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
        committer = new JobCluster.MemoryCommitter(dir.resolve("checkpoints"));
        log = new RunLog(dir.resolve("run"));
        outcome = new CompletableFuture<>();
        CoordinatorSettings settings = new CoordinatorSettings("unit", "127.0.0.1", 0, JobSecret.generate(),
                dir.resolve("tls"), 2, 1, 2, Duration.ofMillis(300), 4, 2, committer, dir.resolve("run"), null);
        coordinator = kit.spawn(JobCoordinator.create(settings, log, new AtomicLong(), outcome, Optional.empty()));
    }

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
        log.close();
    }

    private TestProbe<Protocol.ToWorker> agent(String id) {
        TestProbe<Protocol.ToWorker> probe = kit.createTestProbe(Protocol.ToWorker.class);
        kit.system().receptionist().tell(Receptionist.register(WorkerAgent.KEY, probe.getRef()));
        Protocol.Identify identify = probe.expectMessageClass(Protocol.Identify.class, Duration.ofSeconds(10));
        identify.coordinator().tell(new Protocol.Hello(id, "127.0.0.1:" + (5000 + id.hashCode() % 100), probe.getRef()));
        return probe;
    }

    private static JsonNode receipt(long step, int rank, int worldSize) {
        return JSON.valueToTree(Map.of("step", step, "rank", rank, "worldSize", worldSize, "digest", "d" + step));
    }

    @Test
    void dropsOldGenerationsAndCommitsOnlyAWholeGeneration() throws IOException {
        TestProbe<Protocol.ToWorker> a = agent("a");
        TestProbe<Protocol.ToWorker> b = agent("b");
        Assignment first = a.expectMessageClass(Protocol.Assign.class).assignment();
        b.expectMessageClass(Protocol.Assign.class);
        assertEquals(1, first.generation());

        // Rank 0 of generation 1 wrote its shard of step 2, then rank 1 failed: generation 1 ends.
        coordinator.tell(new Protocol.Shard(1, 0, 2, receipt(2, 0, 2)));
        coordinator.tell(new Protocol.Failure(1, 1, "peer 0 reset the connection"));
        assertEquals(1, a.expectMessageClass(Protocol.GenerationEnded.class).generation());
        b.expectMessageClass(Protocol.GenerationEnded.class);

        // Both still registered: after the rendezvous deadline generation 2 starts with both.
        Assignment second = a.expectMessageClass(Protocol.Assign.class, Duration.ofSeconds(10)).assignment();
        b.expectMessageClass(Protocol.Assign.class);
        assertEquals(2, second.generation());
        assertEquals(-1, second.restoreStep());

        // A late shard of generation 1 must not complete step 2 of generation 2.
        coordinator.tell(new Protocol.Shard(1, 1, 2, receipt(2, 1, 2)));
        coordinator.tell(new Protocol.Report(new Progress(1, 0, 1, 0.5, 4, 10)));
        coordinator.tell(new Protocol.Shard(2, 1, 2, receipt(2, 1, 2)));
        coordinator.tell(new Protocol.Report(new Progress(2, 0, 1, 0.5, 4, 10)));
        coordinator.tell(new Protocol.Report(new Progress(2, 1, 1, 1.0, 4, 10)));
        coordinator.tell(new Protocol.Shard(2, 0, 2, receipt(2, 0, 2)));
        for (int rank = 0; rank < 2; rank++) {
            coordinator.tell(new Protocol.Shard(2, rank, 4, receipt(4, rank, 2)));
        }
        coordinator.tell(new Protocol.Finished(2, 0, 4));
        coordinator.tell(new Protocol.Finished(2, 1, 4));
        JobOutcome done = outcome.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
        assertTrue(done.succeeded(), done.message());
        assertEquals(2, done.generations());
        assertEquals(List.of(2L, 4L), committer.committed);
        assertTrue(a.expectMessageClass(Protocol.Shutdown.class).finished());
        log.close();
        List<String> metrics = Files.readAllLines(dir.resolve("run").resolve(RunLog.METRICS));
        assertEquals(1, metrics.size(), "only step 1 of generation 2 was reported by both ranks");
        assertEquals(0.75, JSON.readTree(metrics.get(0)).get("loss").asDouble(), 1e-12);
    }
}

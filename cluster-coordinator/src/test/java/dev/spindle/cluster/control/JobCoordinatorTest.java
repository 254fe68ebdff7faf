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
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
    }

    private void coordinator(int desired, int min, int max, int modelParallelSize) {
        CoordinatorSettings settings = new CoordinatorSettings("unit", "127.0.0.1", 0, JobSecret.generate(),
                dir.resolve("tls"), desired, min, max, Duration.ofMillis(300), 4, 2, committer, dir.resolve("run"), null,
                modelParallelSize);
        coordinator = kit.spawn(JobCoordinator.create(settings, log, new AtomicLong(), outcome, Optional.empty()));
    }

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
        log.close();
    }

    private TestProbe<Protocol.ToWorker> agent(String id) {
        return agent(id, "127.0.0.1:" + (5000 + id.hashCode() % 100));
    }

    private TestProbe<Protocol.ToWorker> agent(String id, String dataPlane) {
        TestProbe<Protocol.ToWorker> probe = kit.createTestProbe(Protocol.ToWorker.class);
        kit.system().receptionist().tell(Receptionist.register(WorkerAgent.KEY, probe.getRef()));
        Protocol.Identify identify = probe.expectMessageClass(Protocol.Identify.class, Duration.ofSeconds(10));
        identify.coordinator().tell(new Protocol.Hello(id, dataPlane, probe.getRef()));
        return probe;
    }

    private static Assignment assigned(TestProbe<Protocol.ToWorker> agent) {
        return agent.expectMessageClass(Protocol.Assign.class, Duration.ofSeconds(10)).assignment();
    }

    private static JsonNode receipt(long step, int rank, int worldSize) {
        return JSON.valueToTree(Map.of("step", step, "rank", rank, "worldSize", worldSize, "digest", "d" + step));
    }

    @Test
    void dropsOldGenerationsAndCommitsOnlyAWholeGeneration() throws IOException {
        coordinator(2, 1, 2, 1);
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

    @Test
    void aLostWorkerShrinksTheWorldByAWholeModelReplicaWithRanksGroupedByHost() throws IOException {
        coordinator(8, 4, 8, 4);
        // Two hosts of four workers each, registering alternately.
        Map<String, TestProbe<Protocol.ToWorker>> agents = new LinkedHashMap<>();
        for (int i = 1; i <= 4; i++) {
            agents.put("a" + i, agent("a" + i, "10.0.0.1:" + (7000 + i)));
            agents.put("b" + i, agent("b" + i, "10.0.0.2:" + (7000 + i)));
        }
        Map<String, Assignment> first = new LinkedHashMap<>();
        agents.forEach((id, agent) -> first.put(id, assigned(agent)));
        for (int i = 1; i <= 4; i++) {
            assertEquals(i - 1, first.get("a" + i).rank(), "a" + i);
            assertEquals(3 + i, first.get("b" + i).rank(), "b" + i);
        }
        assertEquals(List.of("10.0.0.1:7001", "10.0.0.1:7002", "10.0.0.1:7003", "10.0.0.1:7004", "10.0.0.2:7001",
                "10.0.0.2:7002", "10.0.0.2:7003", "10.0.0.2:7004"), first.get("a1").peers());

        // a2 dies: seven workers are left, which hold one whole replica of 4 (host b's), not a world of 7.
        agents.remove("a2").stop();
        agents.values().forEach(a -> assertEquals(1, a.expectMessageClass(Protocol.GenerationEnded.class).generation()));
        for (int i = 1; i <= 4; i++) {
            Assignment second = assigned(agents.get("b" + i));
            assertEquals(2, second.generation());
            assertEquals(4, second.worldSize());
            assertEquals(i - 1, second.rank());
        }
        for (String left : List.of("a1", "a3", "a4")) {
            agents.get(left).expectNoMessage(Duration.ofMillis(300));
        }
        log.written().join();
        List<JsonNode> started = events("generation-started");
        assertEquals(List.of(8, 4), started.stream().map(e -> e.get("worldSize").asInt()).toList());
        assertEquals(4, started.get(1).get("modelParallelSize").asInt());
    }

    @Test
    void withMinWorkersAtTheFullWorldTheJobWaitsForAReplacement() {
        coordinator(8, 8, 8, 4);
        List<TestProbe<Protocol.ToWorker>> agents = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            agents.add(agent("w" + i, "127.0.0.1:" + (7000 + i)));
        }
        agents.forEach(a -> assertEquals(8, assigned(a).worldSize()));

        agents.remove(3).stop();
        agents.forEach(a -> a.expectMessageClass(Protocol.GenerationEnded.class));
        // Several rendezvous deadlines pass: 7 workers hold one replica, but minWorkers is 8.
        agents.get(0).expectNoMessage(Duration.ofMillis(1500));

        agents.add(agent("w8", "127.0.0.1:7008"));
        List<Integer> ranks = new ArrayList<>();
        for (TestProbe<Protocol.ToWorker> a : agents) {
            Assignment second = assigned(a);
            assertEquals(2, second.generation());
            assertEquals(8, second.worldSize());
            ranks.add(second.rank());
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), ranks, "one host: the registration order");
    }

    @Test
    void writesOneRankMemoryEventPerRankAndGeneration() throws IOException {
        coordinator(2, 2, 2, 2);
        TestProbe<Protocol.ToWorker> a = agent("a");
        TestProbe<Protocol.ToWorker> b = agent("b");
        assertEquals(0, assigned(a).rank());
        assertEquals(1, assigned(b).rank());
        // Rank 1 is pipeline stage 1 of a tensor 1 × pipeline 2 mesh.
        RankMemory stage1 = new RankMemory(1, 1, 0, 0, 1, 1, 4096, 4096, 8200, 65536, 2);
        coordinator.tell(new Protocol.Memory(new RankMemory(1, 0, 0, 0, 0, 1, 1000, 800, 1608, 32768, 4)));
        coordinator.tell(new Protocol.Memory(stage1));
        coordinator.tell(new Protocol.Memory(stage1));                                        // a repeat
        coordinator.tell(new Protocol.Memory(new RankMemory(7, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1))); // another generation
        coordinator.tell(new Protocol.Memory(new RankMemory(1, 5, 0, 0, 0, 1, 1, 1, 1, 1, 1))); // no such rank
        // A report of the current generation after the memory messages: once its event is in, theirs are too.
        coordinator.tell(new Protocol.Failure(1, 0, "done here"));
        a.expectMessageClass(Protocol.GenerationEnded.class);
        log.written().join();

        List<JsonNode> memory = events("rank-memory");
        assertEquals(2, memory.size(), memory.toString());
        JsonNode second = memory.get(1);
        assertEquals(1, second.get("generation").asLong());
        assertEquals(1, second.get("rank").asInt());
        assertEquals("b", second.get("workerId").asText());
        assertEquals(List.of(0, 0, 1), List.of(second.get("data").asInt(), second.get("tensor").asInt(),
                second.get("pipeline").asInt()));
        assertEquals(4096, second.get("parameterBytes").asLong());
        assertEquals(4096, second.get("gradientBytes").asLong());
        assertEquals(8200, second.get("optimizerBytes").asLong());
        assertEquals(65536, second.get("peakActivationBytes").asLong());
        assertEquals(2, second.get("peakMicroBatches").asInt());
        assertEquals(4096 + 4096 + 8200 + 65536, second.get("totalBytes").asLong());
        assertEquals(4, memory.get(0).get("peakMicroBatches").asInt());
    }

    @Test
    void rankMemoryCrossesTheWireAsJson() throws IOException {
        RankMemory m = new RankMemory(3, 2, 1, 0, 1, 5, 10, 9, 20, 300, 2);
        assertEquals(m, JSON.readValue(JSON.writeValueAsString(new Protocol.Memory(m)), Protocol.Memory.class).memory());
    }

    private List<JsonNode> events(String name) throws IOException {
        List<JsonNode> found = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("run").resolve(RunLog.EVENTS))) {
            JsonNode event = JSON.readTree(line);
            if (name.equals(event.get("event").asText())) {
                found.add(event);
            }
        }
        return found;
    }
}

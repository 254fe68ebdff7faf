package dev.spindle.launcher.kube.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.launcher.kube.StatusReport;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class StatusPublisherTest {

    KubernetesClient client;

    private static StatusReport atStep(long step) {
        return new StatusReport("Running", 1, 2, 2, step, 100, 1.5, -1, "", Map.of(0, "w-a", 1, "w-b"),
                Instant.now().toString());
    }

    private final AtomicLong now = new AtomicLong();
    private final List<String> written = new ArrayList<>();

    /** A publisher that records its writes, on a clock the test moves. */
    private StatusPublisher recording() {
        return new StatusPublisher(written::add, now::get, new PrintWriter(new StringWriter()), "test");
    }

    @Test
    void writesAtMostEveryTwoSecondsButMilestonesAtOnce() {
        StatusPublisher publisher = recording();
        assertTrue(publisher.offer(atStep(1), false), "the first status goes out at once");
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(500));
        assertFalse(publisher.offer(atStep(2), false));
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(500));
        assertFalse(publisher.offer(atStep(3), false));
        assertTrue(publisher.offer(atStep(4), true), "a milestone does not wait");
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1999));
        assertFalse(publisher.offer(atStep(5), false));
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        assertTrue(publisher.offer(atStep(6), false), "two seconds after the last write");
        assertEquals(3, written.size());
        assertTrue(written.get(2).contains("\"step\":6"), written.get(2));
    }

    @Test
    void anUnchangedStatusIsNotWrittenAgainAndFlushWritesWhatWaits() {
        StatusPublisher publisher = recording();
        publisher.offer(atStep(1), false);
        now.addAndGet(TimeUnit.SECONDS.toNanos(3));
        assertFalse(publisher.offer(atStep(1).withUpdated(Instant.now().plusSeconds(3).toString()), false), "same numbers");
        assertTrue(publisher.offer(atStep(2), false), "still due: the unchanged status was not a write");
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
        assertFalse(publisher.offer(atStep(3), false));
        assertTrue(publisher.flush());
        assertFalse(publisher.flush(), "nothing left to write");
        assertTrue(written.get(written.size() - 1).contains("\"step\":3"));
    }

    @Test
    void aFailedWriteIsReportedOnceAndTrainingGoesOn() {
        StringWriter err = new StringWriter();
        StatusPublisher publisher = new StatusPublisher(json -> {
            throw new IllegalStateException("Forbidden: configmaps \"tiny-status\" is forbidden");
        }, now::get, new PrintWriter(err, true), "ConfigMap ml/tiny-status");
        assertFalse(publisher.offer(atStep(1), true));
        assertFalse(publisher.offer(atStep(2), true));
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertTrue(err.toString().startsWith("spindle: could not write the job status to ConfigMap ml/tiny-status"
                + " (Forbidden"), err.toString());
        assertEquals(0, publisher.writes());
    }

    @Test
    void patchesStatusJsonOfTheConfigMapAndLeavesTheRestAlone() throws Exception {
        client.configMaps().inNamespace("ml").resource(new ConfigMapBuilder().withNewMetadata().withName("tiny-status")
                .addToLabels("spindle.dev/job", "tiny").endMetadata().addToData(StatusReport.KEY, "{}")
                .addToData("other", "kept").build()).create();
        StatusPublisher publisher = StatusPublisher.toConfigMap(client, "ml", "tiny-status",
                new PrintWriter(new StringWriter()));
        assertTrue(publisher.offer(atStep(7), true));
        ConfigMap live = client.configMaps().inNamespace("ml").withName("tiny-status").get();
        var status = new ObjectMapper().readTree(live.getData().get(StatusReport.KEY));
        assertEquals("Running", status.path("phase").asText());
        assertEquals(7, status.path("step").asLong());
        assertEquals("w-b", status.path("ranks").path("1").asText());
        assertEquals("kept", live.getData().get("other"));
        assertEquals("tiny", live.getMetadata().getLabels().get("spindle.dev/job"));
    }

    @Test
    void aMissingConfigMapIsAClearLineNotAFailure() {
        StringWriter err = new StringWriter();
        StatusPublisher publisher = StatusPublisher.toConfigMap(client, "ml", "absent-status", new PrintWriter(err, true));
        assertFalse(publisher.offer(atStep(1), true));
        assertTrue(err.toString().contains("ConfigMap ml/absent-status"), err.toString());
    }
}

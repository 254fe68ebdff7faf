package dev.spindle.launcher.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DriftTest {

    private static Job rendered() {
        return new JobBuilder().withNewMetadata().withName("j-worker").addToLabels("spindle.dev/job", "j").endMetadata()
                .withNewSpec().withParallelism(2).withCompletions(2).withNewTemplate().withNewMetadata()
                .addToLabels("spindle.dev/job", "j").endMetadata().withNewSpec().addNewContainer().withName("worker")
                .withImage("repo@sha256:aa").withArgs("worker", "--port", "25520").withNewResources()
                .addToLimits("cpu", new Quantity("1")).addToLimits("memory", new Quantity("4Gi")).endResources()
                .endContainer().withNodeSelector(Map.of()).withRestartPolicy("Never").endSpec().endTemplate().endSpec()
                .build();
    }

    /** The rendered Job as an API server returns it: defaults filled in, labels added, quantities rewritten. */
    private static JobBuilder live() {
        return new JobBuilder(rendered()).editMetadata().withUid("u-1").withResourceVersion("42")
                .addToLabels("controller-uid", "u-1").endMetadata()
                .editSpec().withBackoffLimit(6).editTemplate().editMetadata().addToLabels("job-name", "j-worker").endMetadata()
                .editSpec().editFirstContainer().withImagePullPolicy("IfNotPresent").withTerminationMessagePath("/dev/termination-log")
                .editResources().addToLimits("cpu", new Quantity("1000m")).endResources().endContainer()
                .withNodeSelector(null).withDnsPolicy("ClusterFirst").endSpec().endTemplate().endSpec()
                .withNewStatus().withActive(2).endStatus();
    }

    private static List<String> drift(HasMetadata want, HasMetadata have) {
        return Drift.between(List.of(want), w -> have).stream().map(Drift::line).toList();
    }

    @Test
    void whatTheServerFillsInIsNotDrift() {
        assertEquals(List.of(), drift(rendered(), live().build()));
    }

    @Test
    void aChangedImageLabelReplicaCountOrResourceIsDrift() {
        Job changed = live().editMetadata().addToLabels("spindle.dev/job", "other").endMetadata()
                .editSpec().withParallelism(3).editTemplate().editSpec().editFirstContainer().withImage("repo@sha256:bb")
                .editResources().addToLimits("memory", new Quantity("8Gi")).endResources()
                .endContainer().endSpec().endTemplate().endSpec().build();
        assertEquals(List.of(
                "Job j-worker: metadata.labels.spindle.dev/job: live \"other\", rendered \"j\"",
                "Job j-worker: spec.parallelism: live 3, rendered 2",
                "Job j-worker: spec.template.spec.containers[worker].image: live \"repo@sha256:bb\", rendered \"repo@sha256:aa\"",
                "Job j-worker: spec.template.spec.containers[worker].resources.limits.memory: live \"8Gi\", rendered \"4Gi\""),
                drift(rendered(), changed));
    }

    @Test
    void aMissingObjectOrLabelIsDrift() {
        assertEquals(List.of("Job j-worker: missing on the cluster"), drift(rendered(), null));
        Job unlabelled = live().editMetadata().removeFromLabels("spindle.dev/job").endMetadata().build();
        assertEquals(List.of("Job j-worker: metadata.labels.spindle.dev/job: live <missing>, rendered \"j\""),
                drift(rendered(), unlabelled));
    }

    @Test
    void theGeneratedSecretIsNeverCompared() {
        var want = new SecretBuilder().withNewMetadata().withName("j-cluster").endMetadata().build();
        var have = new SecretBuilder(want).addToData("job.secret", "c2VjcmV0").build();
        assertEquals(List.of(), drift(want, have));
    }
}

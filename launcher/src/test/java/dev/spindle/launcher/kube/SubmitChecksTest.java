package dev.spindle.launcher.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.launcher.JobException;
import dev.spindle.spec.KubernetesSpec;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.Optional;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class SubmitChecksTest {

    KubernetesClient client;

    @Test
    void storageEveryPodCanReachIsRequiredAndNamed() {
        JobException e = assertThrows(JobException.class, () -> SubmitChecks.checkSpec(KubeTestJobs.job("j", 2,
                "spec.data.uri=data/train", "spec.data.evalUri=file:/data/eval", "spec.checkpoint.uri=/tmp/ckpt")));
        assertEquals(3, e.problems().size(), e.getMessage());
        assertTrue(e.problems().get(0).startsWith("spec.data.uri: got 'data/train', expected an absolute storage URI"),
                e.problems().get(0));
        assertTrue(e.problems().get(1).startsWith("spec.data.evalUri: got 'file:/data/eval'"), e.problems().get(1));
        assertTrue(e.problems().get(2).startsWith("spec.checkpoint.uri: got '/tmp/ckpt'"), e.problems().get(2));
    }

    @Test
    void aMalformedAbfsUriIsNamedByItsField() {
        JobException e = assertThrows(JobException.class, () -> SubmitChecks.checkSpec(KubeTestJobs.job("j", 2,
                "spec.checkpoint.uri=abfss://acct.blob.core.windows.net/ckpt")));
        assertTrue(e.getMessage().startsWith("spec.checkpoint.uri: "), e.getMessage());
    }

    @Test
    void anImageIsRequired() {
        var job = KubeTestJobs.job("j", 2);
        KubernetesSpec k = job.spec().kubernetes();
        var noImage = job.withSpec(job.spec().withKubernetes(new KubernetesSpec(null, k.namespace(), k.overlay(),
                k.workers(), k.coordinator(), k.priorityClassName(), k.nodeSelector(), k.tolerations(),
                k.workloadIdentity())));
        JobException e = assertThrows(JobException.class, () -> SubmitChecks.checkSpec(noImage));
        assertTrue(e.getMessage().startsWith("spec.kubernetes.image: missing"), e.getMessage());
    }

    @Test
    void aValidJobPasses() {
        SubmitChecks.checkSpec(KubeTestJobs.job("j", 2));
    }

    @Test
    void aMissingNamespaceIsAnError() {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("ml").endMetadata().build()).create();
        SubmitChecks.checkNamespace(client, "ml");
        KubeException e = assertThrows(KubeException.class, () -> SubmitChecks.checkNamespace(client, "nope"));
        assertTrue(e.getMessage().startsWith("namespace 'nope' does not exist: create it (kubectl create namespace nope)"),
                e.getMessage());
    }

    @Test
    void gpusNoNodeOffersGiveAWarningNotAnError() {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("cpu").endMetadata().build()).create();
        Optional<String> none = SubmitChecks.gpuWarning(client, 1);
        assertTrue(none.orElseThrow().startsWith("no node has 1 allocatable nvidia.com/gpu (most on one node: 0, 1 node(s))"),
                none.orElseThrow());
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("gpu").endMetadata().withNewStatus()
                .addToAllocatable("nvidia.com/gpu", new Quantity("2")).endStatus().build()).create();
        assertEquals(Optional.empty(), SubmitChecks.gpuWarning(client, 2));
        assertTrue(SubmitChecks.gpuWarning(client, 4).isPresent());
        assertEquals(Optional.empty(), SubmitChecks.gpuWarning(client, 0), "a CPU-only job needs no GPU node");
    }
}

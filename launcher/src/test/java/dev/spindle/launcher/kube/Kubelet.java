package dev.spindle.launcher.kube;

import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;

/**
 * What the local API server lacks, played by the test: the scheduler (a Binding to a node that need not exist),
 * the kubelet (pod phases through the status subresource; finishing the deletion of terminating pods), and the
 * coordinator's writes to {@code J-status}, made as the coordinator's service account so that the job's Role
 * is what allows them.
 */
final class Kubelet {

    static final String NODE = "gpu-node-1";

    /** How often {@link #awaitPods} looks: short, so that the submit benchmark's timings carry little of it. */
    static final long POLL_MS = 20;

    private final KubernetesClient admin;
    private final String namespace;

    Kubelet(KubernetesClient admin, String namespace) {
        this.admin = admin;
        this.namespace = namespace;
    }

    /** The job's pods once the Job controller has made at least {@code count} that match. */
    List<Pod> awaitPods(String job, int count, Predicate<Pod> which, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Pod> pods = admin.pods().inNamespace(namespace).withLabel(KubeJobs.JOB_LABEL, job).list().getItems()
                    .stream().filter(which).toList();
            if (pods.size() >= count) {
                return pods;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the Job controller made " + pods.size() + " of " + count + " pods of " + job
                        + " in " + timeout.toSeconds() + " s");
            }
            Thread.sleep(POLL_MS);
        }
    }

    /** As the scheduler: binds the pod to {@link #NODE}. */
    void schedule(Pod pod) {
        admin.bindings().inNamespace(namespace).resource(new BindingBuilder().withNewMetadata()
                .withName(pod.getMetadata().getName()).endMetadata().withNewTarget().withApiVersion("v1").withKind("Node")
                .withName(NODE).endTarget().build()).create();
    }

    /** As the kubelet: the pod's containers started. */
    void running(Pod pod) {
        setStatus(pod, "Running", new ContainerStatusBuilder().withName(container(pod)).withImage(image(pod))
                .withImageID("").withReady(true).withRestartCount(0).withNewState().withNewRunning()
                .withStartedAt(Instant.now().toString()).endRunning().endState().build());
    }

    /** As the kubelet: the pod's container exited with {@code exitCode}. */
    void failed(Pod pod, int exitCode) {
        setStatus(pod, "Failed", new ContainerStatusBuilder().withName(container(pod)).withImage(image(pod))
                .withImageID("").withReady(false).withRestartCount(0).withNewState().withNewTerminated()
                .withExitCode(exitCode).withReason("Error").withStartedAt(Instant.now().toString())
                .withFinishedAt(Instant.now().toString()).endTerminated().endState().build());
    }

    /** As the kubelet after stopping containers: removes pods that are being deleted, for good. */
    int finishDeletions() {
        int removed = 0;
        for (Pod pod : admin.pods().inNamespace(namespace).list().getItems()) {
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                admin.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).withGracePeriod(0).delete();
                removed++;
            }
        }
        return removed;
    }

    /** As the coordinator ({@code client} impersonates its service account): a JSON merge patch of status.json. */
    static ConfigMap report(KubernetesClient client, String namespace, String configMap, String statusJson) {
        String patch = "{\"data\": {\"status.json\": " + com.fasterxml.jackson.databind.node.TextNode.valueOf(statusJson)
                + "}}";
        // On a resource given whole, fabric8 sends the PATCH alone (no GET first): the Role must allow the patch.
        ConfigMap target = new ConfigMapBuilder().withNewMetadata().withName(configMap).withNamespace(namespace)
                .endMetadata().build();
        return client.configMaps().inNamespace(namespace).resource(target).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    }

    private void setStatus(Pod pod, String phase, ContainerStatus container) {
        admin.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).editStatus(p -> new PodBuilder(p)
                .editOrNewStatus().withPhase(phase).withPodIP("10.0.0." + (1 + Math.floorMod(p.getMetadata().getName()
                        .hashCode(), 250))).withContainerStatuses(container).endStatus().build());
    }

    private static String container(Pod pod) {
        return pod.getSpec().getContainers().get(0).getName();
    }

    private static String image(Pod pod) {
        return pod.getSpec().getContainers().get(0).getImage();
    }
}

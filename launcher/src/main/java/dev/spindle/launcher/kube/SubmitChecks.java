package dev.spindle.launcher.kube;

import dev.spindle.data.storage.Storage;
import dev.spindle.data.storage.StorageException;
import dev.spindle.launcher.JobException;
import dev.spindle.spec.JobSpec;
import dev.spindle.spec.KubernetesSpec;
import dev.spindle.spec.SpecException;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code spindle submit} checks before it applies anything: the spec can run on Kubernetes (an image,
 * storage every pod can reach), the namespace exists, and the GPUs it asks for exist somewhere (a warning
 * only: a cluster autoscaler may add GPU nodes when the pods ask).
 */
final class SubmitChecks {

    /** The extended resource the NVIDIA device plugin advertises on GPU nodes (AKS included). */
    static final String GPU_RESOURCE = "nvidia.com/gpu";

    private SubmitChecks() {}

    /**
     * Problems of the spec itself for a run on Kubernetes, one line each naming the field.
     *
     * @throws JobException listing them, if there are any
     */
    static void checkSpec(JobSpec job) {
        List<String> problems = new ArrayList<>();
        try {
            KubernetesSpec.forDeployment(job.spec());
        } catch (SpecException e) {
            e.problems().forEach(p -> problems.add(p.toString()));
        }
        var data = job.spec().data();
        remote(problems, "spec.data.uri", data.uri());
        if (data.evalUri() != null) {
            remote(problems, "spec.data.evalUri", data.evalUri());
        }
        String checkpoints = job.spec().checkpoint().uri();
        if (checkpoints == null) {
            problems.add("spec.checkpoint.uri: missing, expected a storage URI such as"
                    + " abfss://CONTAINER@ACCOUNT.dfs.core.windows.net/checkpoints/" + job.metadata().name()
                    + " (pods keep nothing: resume restores from there)");
        } else {
            remote(problems, "spec.checkpoint.uri", checkpoints);
        }
        if (data.prepare() != null) {
            problems.add("spec.data.prepare: got a prepare section, expected none on Kubernetes: prepare the"
                    + " dataset first (spindle data prepare) and upload it, then point spec.data.uri at it");
        }
        if (!problems.isEmpty()) {
            throw new JobException(problems);
        }
    }

    /** Pods read and write storage by URI: a path or file: URI would name each pod's own empty disk. */
    private static void remote(List<String> problems, String field, String location) {
        if (!Storage.isRemote(location)) {
            problems.add(field + ": got '" + location + "', expected an absolute storage URI every pod can reach"
                    + " (abfss://CONTAINER@ACCOUNT.dfs.core.windows.net/PATH); a path or file: URI names the pod's own disk");
            return;
        }
        try {
            Storage.checkLocation(location, field);
        } catch (StorageException e) {
            problems.add(e.getMessage());
        }
    }

    /**
     * The namespace must exist. A user who may not read namespaces gets no error here; the first apply then
     * says whether it exists.
     *
     * @throws KubeException if it does not exist
     */
    static void checkNamespace(KubernetesClient client, String namespace) {
        try {
            if (client.namespaces().withName(namespace).get() == null) {
                throw new KubeException("namespace '" + namespace + "' does not exist: create it (kubectl create"
                        + " namespace " + namespace + ") or choose another with --namespace or spec.kubernetes.namespace");
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() != 403) {
                throw e;
            }
        }
    }

    /**
     * A warning when no node offers {@code gpus} allocatable {@value #GPU_RESOURCE}, or empty. Listing nodes
     * needs a cluster-wide permission many users lack; then the warning says the check was skipped.
     */
    static Optional<String> gpuWarning(KubernetesClient client, int gpus) {
        if (gpus <= 0) {
            return Optional.empty();
        }
        List<Node> nodes;
        try {
            nodes = client.nodes().list().getItems();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                return Optional.of("could not check for nodes with " + gpus + " " + GPU_RESOURCE
                        + " (no permission to list nodes); the worker pods stay Pending if there are none");
            }
            throw e;
        }
        BigDecimal wanted = BigDecimal.valueOf(gpus);
        BigDecimal most = BigDecimal.ZERO;
        for (Node node : nodes) {
            Quantity q = node.getStatus() == null || node.getStatus().getAllocatable() == null ? null
                    : node.getStatus().getAllocatable().get(GPU_RESOURCE);
            if (q != null) {
                most = most.max(q.getNumericalAmount());
            }
        }
        if (most.compareTo(wanted) >= 0) {
            return Optional.empty();
        }
        return Optional.of("no node has " + gpus + " allocatable " + GPU_RESOURCE + " (most on one node: "
                + most.stripTrailingZeros().toPlainString() + ", " + nodes.size() + " node(s)); the worker pods stay"
                + " Pending until a GPU node pool (or the autoscaler) provides them; see docs/aks.md");
    }
}

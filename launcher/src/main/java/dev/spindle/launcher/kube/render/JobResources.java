package dev.spindle.launcher.kube.render;

import dev.spindle.spec.JobSpec;
import dev.spindle.spec.KubernetesSpec;
import dev.spindle.spec.Problem;
import dev.spindle.spec.SpecException;
import dev.spindle.spec.SpecWriter;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.utils.YamlDumpSettingsBuilder;
import io.fabric8.kubernetes.model.jackson.Jackson2JdkTypesModule;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Kubernetes objects of one training job, exactly as {@code spindle submit} applies them and
 * {@code spindle render} prints them. Built from {@code manifests/base} and the job's overlay
 * ({@code spec.kubernetes.overlay}) read from the class path, with the overlay's own JSON 6902 patch
 * files, then filled in from the job spec as a job's kustomization ({@code manifests/jobs/*}) would: the
 * {@code J-} name prefix and references, the job's labels, the spec in the root ConfigMap, image,
 * replicas, restarts, resources, placement, workload identity, and what only the CLI knows (namespace,
 * secret, owner, resume).
 *
 * <pre>{@code
 * JobSpec job = SpecReader.read(Path.of("examples/aks/gpt-train.yaml"), List.of());
 * List<HasMetadata> objects = JobResources.render(job, RenderOptions.defaults("ml-training"));
 * System.out.print(JobResources.toYaml(objects));
 * }</pre>
 */
public final class JobResources {

    /** Apply order after the root: what others refer to comes before them. */
    private static final List<String> KIND_ORDER = List.of("ConfigMap", "Secret", "ServiceAccount", "Role",
            "RoleBinding", "Service", "NetworkPolicy", "PodDisruptionBudget", "Job");

    private static final String GPU = "nvidia.com/gpu";
    private static final String POLICY_V1BETA1 = "policy/v1beta1";
    private static final String RESUME = "--resume";
    /** {@code J-coordinator} names a Service: a DNS-1035 label, so the name starts with a letter. */
    private static final Pattern KUBERNETES_NAME = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");

    /** fabric8's defaults, but YAML quotes only where a string would otherwise read as another type. */
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization(
            JsonMapper.builderWithJackson2Defaults().addModule(new Jackson2JdkTypesModule()).build(), true,
            new YamlDumpSettingsBuilder().setMinimizeQuotes(true).build());

    private JobResources() {
    }

    /**
     * The job's objects: the root ConfigMap first, then in apply order.
     *
     * @throws SpecException when the job has no {@code spec.kubernetes.image} or a name Kubernetes cannot take
     */
    public static List<HasMetadata> render(JobSpec job, RenderOptions options) {
        KubernetesSpec k = KubernetesSpec.forDeployment(job.spec());
        String name = checkedName(job);
        List<HasMetadata> objects = new ArrayList<>();
        for (ObjectNode tree : Kustomization.build(Kustomization.ROOT + "/overlays/" + k.overlay())) {
            CommonLabels.apply(tree, JobNames.labels(job));
            if (!options.policyV1() && "PodDisruptionBudget".equals(tree.path("kind").asString())) {
                tree.put("apiVersion", POLICY_V1BETA1);
            }
            objects.add(SERIALIZATION.convertValue(tree, HasMetadata.class));
        }
        Parts parts = new Parts(objects);
        fillRoot(parts.get(ConfigMap.class, JobNames.BASE_ROOT), job, k);
        options.secret().ifPresent(secret -> fillSecret(parts.get(Secret.class, JobNames.BASE_SECRET), secret));
        fillCoordinator(parts.get(Job.class, JobNames.BASE_COORDINATOR), k, options.resume());
        fillWorkers(parts.get(Job.class, JobNames.BASE_WORKER), job, k);
        fillDisruptionBudget(parts.get(HasMetadata.class, "PodDisruptionBudget", JobNames.BASE_WORKER),
                job.spec().parallelism().worldSize());
        if (k.workloadIdentity() != null) {
            String clientId = k.workloadIdentity().clientId();
            for (String sa : List.of(JobNames.BASE_COORDINATOR, JobNames.BASE_WORKER)) {
                parts.get(ServiceAccount.class, sa).getMetadata().getAnnotations()
                        .put(JobNames.ANNOTATION_WORKLOAD_CLIENT_ID, clientId);
            }
        }
        String namespace = options.namespace() != null ? options.namespace() : k.namespace();
        for (HasMetadata o : objects) {
            prefixNames(o, name);
            if (namespace != null) {
                o.getMetadata().setNamespace(namespace);
            }
        }
        options.ownerUid().ifPresent(uid -> own(objects, name, uid));
        objects.sort(Comparator.comparingInt(JobResources::applyRank));
        return List.copyOf(objects);
    }

    /** The objects as one multi-document YAML text, each starting with {@code ---}, in the given order. */
    public static String toYaml(List<HasMetadata> resources) {
        return resources.stream().map(SERIALIZATION::asYaml)
                .map(y -> y.startsWith("---") ? y : "---\n" + y)
                .collect(Collectors.joining());
    }

    private static String checkedName(JobSpec job) {
        String name = job.metadata().name();
        if (name.length() > JobNames.MAX_JOB_NAME || !KUBERNETES_NAME.matcher(name).matches()) {
            throw new SpecException(List.of(new Problem("metadata.name", "'" + name + "'", "a name that starts with"
                    + " a letter and has at most " + JobNames.MAX_JOB_NAME + " characters to run on Kubernetes"
                    + " (" + JobNames.coordinator(name) + " names the coordinator's Service)")));
        }
        return name;
    }

    private static void fillRoot(ConfigMap root, JobSpec job, KubernetesSpec k) {
        root.getData().put(JobNames.KEY_JOB, SpecWriter.toYaml(job));
        root.getMetadata().getAnnotations().put(JobNames.ANNOTATION_SPEC_DIGEST, SpecWriter.digest(job));
        String placed = root.getMetadata().getAnnotations().get(JobNames.ANNOTATION_OVERLAY);
        if (!k.overlay().equals(placed)) {
            throw new IllegalStateException("manifests/overlays/" + k.overlay() + " records overlay '" + placed
                    + "' on the root ConfigMap; its job-patch.yaml must set " + JobNames.ANNOTATION_OVERLAY + ": "
                    + k.overlay());
        }
    }

    private static void fillSecret(Secret secret, ClusterSecret contents) {
        Base64.Encoder b64 = Base64.getEncoder();
        Map<String, String> data = new LinkedHashMap<>();
        data.put(JobNames.KEY_SECRET, b64.encodeToString(contents.jobSecret()));
        data.put(JobNames.KEY_TLS_STORE, b64.encodeToString(contents.tlsStore()));
        secret.setData(data);
    }

    private static void fillCoordinator(Job coordinator, KubernetesSpec k, boolean resume) {
        PodSpec pod = coordinator.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        setResources(c, k.coordinator().cpu(), k.coordinator().memory());
        if (resume) {
            c.getArgs().add(RESUME);
        }
        fillPod(coordinator.getSpec().getTemplate(), k);
    }

    private static void fillWorkers(Job workers, JobSpec job, KubernetesSpec k) {
        // one pod per rank of the mesh: data × tensor × pipeline
        int workerCount = job.spec().parallelism().worldSize();
        workers.getSpec().setCompletions(workerCount);
        workers.getSpec().setParallelism(workerCount);
        workers.getSpec().setBackoffLimit(job.spec().elastic().maxRestarts());
        PodSpec pod = workers.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        setResources(c, k.workers().cpu(), k.workers().memory());
        Map<String, Quantity> limits = c.getResources().getLimits();
        // The overlay decides whether workers get GPUs (both AKS overlays do); the spec says how many.
        if (limits.containsKey(GPU)) {
            if (k.workers().gpus() > 0) {
                limits.put(GPU, new Quantity(Integer.toString(k.workers().gpus())));
            } else {
                limits.remove(GPU);
            }
        }
        Map<String, String> nodeSelector = new LinkedHashMap<>(pod.getNodeSelector());
        nodeSelector.putAll(k.nodeSelector());
        pod.setNodeSelector(nodeSelector);
        k.tolerations().forEach(t -> pod.getTolerations().add(new TolerationBuilder().withKey(t.key())
                .withOperator(t.operator()).withValue(t.value()).withEffect(t.effect()).build()));
        fillPod(workers.getSpec().getTemplate(), k);
    }

    /** What both pod templates take from the spec: image, priority class, workload identity label. */
    private static void fillPod(PodTemplateSpec template, KubernetesSpec k) {
        PodSpec pod = template.getSpec();
        pod.getContainers().forEach(c -> c.setImage(k.image()));
        if (k.priorityClassName() != null) {
            pod.setPriorityClassName(k.priorityClassName());
        }
        if (k.workloadIdentity() != null) {
            template.getMetadata().getLabels().put(JobNames.LABEL_WORKLOAD_IDENTITY, "true");
        }
    }

    private static void setResources(Container c, String cpu, String memory) {
        ResourceRequirements r = c.getResources();
        Map<String, Quantity> requests = new LinkedHashMap<>();
        requests.put("cpu", new Quantity(cpu));
        requests.put("memory", new Quantity(memory));
        r.setRequests(requests);
        Map<String, Quantity> limits = new LinkedHashMap<>(r.getLimits());
        limits.put("memory", new Quantity(memory));
        r.setLimits(limits);
    }

    private static void fillDisruptionBudget(HasMetadata pdb, int data) {
        IntOrString minAvailable = new IntOrString(data);
        if (pdb instanceof io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget v1) {
            v1.getSpec().setMinAvailable(minAvailable);
        } else if (pdb instanceof io.fabric8.kubernetes.api.model.policy.v1beta1.PodDisruptionBudget v1beta1) {
            v1beta1.getSpec().setMinAvailable(minAvailable);
        } else {
            throw new IllegalStateException("manifests/base has a PodDisruptionBudget of an unknown version: " + pdb);
        }
    }

    /**
     * {@code namePrefix: J-}: the object's name and the names it refers to (volumes, service account, role,
     * role binding subjects, and the Role's resourceNames, which a job's kustomization patches by hand).
     */
    private static void prefixNames(HasMetadata o, String job) {
        o.getMetadata().setName(JobNames.prefixed(job, o.getMetadata().getName()));
        if (o instanceof Job j) {
            PodSpec pod = j.getSpec().getTemplate().getSpec();
            pod.setServiceAccountName(JobNames.prefixed(job, pod.getServiceAccountName()));
            for (Volume v : pod.getVolumes()) {
                if (v.getConfigMap() != null) {
                    v.getConfigMap().setName(JobNames.prefixed(job, v.getConfigMap().getName()));
                }
                if (v.getSecret() != null) {
                    v.getSecret().setSecretName(JobNames.prefixed(job, v.getSecret().getSecretName()));
                }
            }
        } else if (o instanceof RoleBinding rb) {
            rb.getRoleRef().setName(JobNames.prefixed(job, rb.getRoleRef().getName()));
            rb.getSubjects().forEach(s -> s.setName(JobNames.prefixed(job, s.getName())));
        } else if (o instanceof Role role) {
            role.getRules().forEach(rule -> rule.setResourceNames(rule.getResourceNames().stream()
                    .map(n -> JobNames.prefixed(job, n)).toList()));
        }
    }

    /** Every object but the root names the root as its owner: deleting the root deletes the job. */
    private static void own(List<HasMetadata> objects, String job, String uid) {
        String root = JobNames.root(job);
        for (HasMetadata o : objects) {
            if (o instanceof ConfigMap && root.equals(o.getMetadata().getName())) {
                continue;
            }
            o.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion("v1")
                    .withKind("ConfigMap").withName(root).withUid(uid).withBlockOwnerDeletion(true).build()));
        }
    }

    private static int applyRank(HasMetadata o) {
        boolean root = o instanceof ConfigMap && o.getMetadata().getName().endsWith("-" + JobNames.BASE_ROOT);
        int kind = KIND_ORDER.indexOf(o.getKind());
        return root ? -1 : kind < 0 ? KIND_ORDER.size() : kind;
    }

    /** The objects of the base by kind and base name, before they are renamed. */
    private record Parts(List<HasMetadata> objects) {

        <T extends HasMetadata> T get(Class<T> type, String baseName) {
            return get(type, null, baseName);
        }

        <T extends HasMetadata> T get(Class<T> type, String kind, String baseName) {
            return objects.stream()
                    .filter(o -> type.isInstance(o) && (kind == null || kind.equals(o.getKind()))
                            && baseName.equals(o.getMetadata().getName()))
                    .map(type::cast).findFirst()
                    .orElseThrow(() -> new IllegalStateException("manifests/base has no " + (kind != null ? kind
                            : type.getSimpleName()) + " named '" + baseName + "'; JobResources and the base"
                            + " must name the same objects"));
        }
    }
}

package dev.spindle.launcher.kube.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.spec.JobSpec;
import dev.spindle.spec.SpecException;
import dev.spindle.spec.SpecReader;
import dev.spindle.spec.SpecWriter;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link JobResources#render}: the objects of the AKS example job against the contract, and bad input. */
class JobResourcesTest {

    static final Path TRAIN = Path.of("../examples/aks/gpt-train.yaml");
    static final Path LORA = Path.of("../examples/aks/gpt-lora.yaml");
    static final String IMAGE = "myacr.azurecr.io/spindle-trainer@sha256:" + "1".repeat(64);

    static JobSpec job(Path file, String... overrides) throws IOException {
        return SpecReader.read(file, List.of(overrides));
    }

    static List<HasMetadata> render(String... overrides) throws IOException {
        return JobResources.render(job(TRAIN, overrides), RenderOptions.defaults(null));
    }

    static <T extends HasMetadata> T find(List<HasMetadata> objects, Class<T> type, String name) {
        return objects.stream().filter(o -> type.isInstance(o) && o.getMetadata().getName().equals(name))
                .map(type::cast).findFirst().orElseThrow(() -> new AssertionError("no " + type.getSimpleName()
                        + " " + name + " in " + objects.stream().map(o -> o.getKind() + " " + o.getMetadata().getName())
                        .toList()));
    }

    static Job coordinator(List<HasMetadata> objects) {
        return find(objects, Job.class, "gpt-train-coordinator");
    }

    static Job workers(List<HasMetadata> objects) {
        return find(objects, Job.class, "gpt-train-worker");
    }

    @Test
    void rendersEveryObjectOfTheContractRootFirstInApplyOrder() throws IOException {
        List<String> kindsAndNames = render().stream()
                .map(o -> o.getApiVersion() + " " + o.getKind() + " " + o.getMetadata().getName()).toList();
        assertEquals(List.of(
                "v1 ConfigMap gpt-train-job",
                "v1 ConfigMap gpt-train-status",
                "v1 Secret gpt-train-cluster",
                "v1 ServiceAccount gpt-train-coordinator",
                "v1 ServiceAccount gpt-train-worker",
                "rbac.authorization.k8s.io/v1 Role gpt-train-coordinator",
                "rbac.authorization.k8s.io/v1 RoleBinding gpt-train-coordinator",
                "v1 Service gpt-train-coordinator",
                "networking.k8s.io/v1 NetworkPolicy gpt-train-job",
                "policy/v1 PodDisruptionBudget gpt-train-worker",
                "batch/v1 Job gpt-train-coordinator",
                "batch/v1 Job gpt-train-worker"), kindsAndNames);
    }

    @Test
    void labelsEveryObjectAndPodTemplateWithTheJob() throws IOException {
        List<HasMetadata> objects = render();
        Map<String, String> common = Map.of("app.kubernetes.io/name", "spindle", "app.kubernetes.io/instance",
                "gpt-train", "app.kubernetes.io/managed-by", "spindle", "spindle.dev/job", "gpt-train",
                "spindle.dev/job-type", "train");
        for (HasMetadata o : objects) {
            assertTrue(o.getMetadata().getLabels().entrySet().containsAll(common.entrySet()),
                    o.getKind() + " " + o.getMetadata().getName() + " " + o.getMetadata().getLabels());
        }
        for (String component : List.of("coordinator", "worker")) {
            Job j = find(objects, Job.class, "gpt-train-" + component);
            assertEquals(component, j.getMetadata().getLabels().get(JobNames.LABEL_COMPONENT));
            Map<String, String> pod = j.getSpec().getTemplate().getMetadata().getLabels();
            assertTrue(pod.entrySet().containsAll(common.entrySet()), pod.toString());
            assertEquals(component, pod.get(JobNames.LABEL_COMPONENT));
            assertEquals(component, find(objects, ServiceAccount.class, "gpt-train-" + component).getMetadata()
                    .getLabels().get(JobNames.LABEL_COMPONENT));
        }
        assertEquals("coordinator", find(objects, Role.class, "gpt-train-coordinator").getMetadata().getLabels()
                .get(JobNames.LABEL_COMPONENT));
        assertEquals("fine-tune", JobResources.render(job(LORA), RenderOptions.defaults(null)).get(0).getMetadata()
                .getLabels().get(JobNames.LABEL_JOB_TYPE));
    }

    @Test
    void theJobsOwnLabelsGoWhereverTheJobLabelGoes() throws IOException {
        List<HasMetadata> objects = render("metadata.labels={team: nlp}");
        for (HasMetadata o : objects) {
            assertEquals("nlp", o.getMetadata().getLabels().get("team"), o.getMetadata().getName());
        }
        assertEquals("nlp", workers(objects).getSpec().getTemplate().getMetadata().getLabels().get("team"));
        assertEquals("nlp", find(objects, NetworkPolicy.class, "gpt-train-job").getSpec().getPodSelector()
                .getMatchLabels().get("team"));
    }

    @Test
    void rootHoldsTheResolvedSpecItsDigestAndTheOverlay() throws IOException {
        JobSpec job = job(TRAIN);
        ConfigMap root = (ConfigMap) JobResources.render(job, RenderOptions.defaults(null)).get(0);
        assertEquals(job, SpecReader.read(root.getData().get("job.yaml"), List.of()));
        assertEquals(SpecWriter.toYaml(job), root.getData().get("job.yaml"));
        assertEquals(SpecWriter.digest(job), root.getMetadata().getAnnotations().get("spindle.dev/spec-digest"));
        assertEquals("aks-standard", root.getMetadata().getAnnotations().get("spindle.dev/overlay"));
        ConfigMap status = find(render(), ConfigMap.class, "gpt-train-status");
        assertEquals(Map.of("status.json", "{}"), status.getData());
    }

    @Test
    void hardensEveryPodAndContainer() throws IOException {
        List<HasMetadata> objects = render();
        for (Job j : List.of(coordinator(objects), workers(objects))) {
            PodSpec pod = j.getSpec().getTemplate().getSpec();
            PodSecurityContext psc = pod.getSecurityContext();
            assertEquals(true, psc.getRunAsNonRoot());
            assertEquals(65532L, psc.getRunAsUser());
            assertEquals(65532L, psc.getRunAsGroup());
            assertEquals(65532L, psc.getFsGroup());
            assertEquals("RuntimeDefault", psc.getSeccompProfile().getType());
            assertEquals("Never", pod.getRestartPolicy());
            for (Container c : pod.getContainers()) {
                SecurityContext sc = c.getSecurityContext();
                assertEquals(false, sc.getAllowPrivilegeEscalation(), c.getName());
                assertEquals(true, sc.getReadOnlyRootFilesystem(), c.getName());
                assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), c.getName());
                assertEquals(IMAGE, c.getImage());
            }
        }
        assertEquals(true, coordinator(objects).getSpec().getTemplate().getSpec().getAutomountServiceAccountToken());
        assertEquals(false, workers(objects).getSpec().getTemplate().getSpec().getAutomountServiceAccountToken());
        assertEquals(true, find(objects, ServiceAccount.class, "gpt-train-coordinator")
                .getAutomountServiceAccountToken());
        assertEquals(false, find(objects, ServiceAccount.class, "gpt-train-worker").getAutomountServiceAccountToken());
    }

    @Test
    void containersGetTheContractsArgsEnvPortsAndVolumes() throws IOException {
        List<HasMetadata> objects = render();
        Container c = coordinator(objects).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("coordinator", c.getName());
        assertEquals(List.of("coordinate", "--job", "/etc/spindle/job/job.yaml",
                "--cluster-dir", "/etc/spindle/cluster", "--run-dir", "/scratch/run", "--host", "$(POD_IP)",
                "--port", "25520", "--namespace", "$(POD_NAMESPACE)", "--status-configmap", "$(SPINDLE_JOB)-status"),
                c.getArgs());
        assertTrue(c.getCommand().isEmpty(), "the image's entrypoint is the spindle CLI");
        Container w = workers(objects).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("worker", w.getName());
        assertEquals(List.of("worker", "--worker-id", "$(POD_NAME)",
                "--coordinator", "$(SPINDLE_JOB)-coordinator:25520", "--job", "/etc/spindle/job/job.yaml",
                "--base-dir", "/etc/spindle/job", "--run-dir", "/scratch/run",
                "--secret-file", "/etc/spindle/cluster/job.secret", "--tls-dir", "/etc/spindle/cluster",
                "--host", "$(POD_IP)", "--port", "25520", "--data-port", "29500",
                "--advertise-data", "$(POD_IP):29500"),
                w.getArgs());
        assertEquals(Map.of("pekko", 25520), ports(c));
        assertEquals(Map.of("pekko", 25520, "data", 29500), ports(w));
        for (Job j : List.of(coordinator(objects), workers(objects))) {
            PodSpec pod = j.getSpec().getTemplate().getSpec();
            Container container = pod.getContainers().get(0);
            assertEquals(List.of("POD_NAME=metadata.name", "POD_NAMESPACE=metadata.namespace", "POD_IP=status.podIP",
                    "SPINDLE_JOB=metadata.labels['spindle.dev/job']", "HOME=/scratch", "DJL_CACHE_DIR=/scratch/djl",
                    "ENGINE_CACHE_DIR=/scratch/djl",
                    "JAVA_TOOL_OPTIONS=--add-opens=java.base/java.nio=ALL-UNNAMED -XX:MaxRAMPercentage=75"),
                    container.getEnv().stream().map(JobResourcesTest::env).toList());
            assertEquals(List.of("job=/etc/spindle/job ro", "cluster=/etc/spindle/cluster ro", "scratch=/scratch rw",
                    "tmp=/tmp rw"), container.getVolumeMounts().stream().map(JobResourcesTest::mount).toList());
            assertEquals(List.of("job=configMap gpt-train-job", "cluster=secret gpt-train-cluster mode 0400",
                    "scratch=emptyDir", "tmp=emptyDir"),
                    pod.getVolumes().stream().map(JobResourcesTest::volume).toList());
        }
        assertEquals("gpt-train-coordinator", coordinator(objects).getSpec().getTemplate().getSpec()
                .getServiceAccountName());
        assertEquals("gpt-train-worker", workers(objects).getSpec().getTemplate().getSpec().getServiceAccountName());
    }

    @Test
    void aMeshRunsOneWorkerPodPerRank() throws IOException {
        List<HasMetadata> objects = render("spec.parallelism={data: 2, tensor: 2, pipeline: 2}");
        Job w = workers(objects);
        assertEquals(8, w.getSpec().getCompletions());
        assertEquals(8, w.getSpec().getParallelism());
        assertEquals(8, find(objects, PodDisruptionBudget.class, "gpt-train-worker").getSpec().getMinAvailable()
                .getIntVal());
    }

    @Test
    void workersFollowParallelismElasticAndResources() throws IOException {
        List<HasMetadata> objects = render("spec.parallelism.data=3", "spec.elastic.maxRestarts=5",
                "spec.kubernetes.coordinator={cpu: 500m, memory: 1Gi}");
        Job w = workers(objects);
        assertEquals(3, w.getSpec().getCompletions());
        assertEquals(3, w.getSpec().getParallelism());
        assertEquals(5, w.getSpec().getBackoffLimit());
        assertEquals(3, find(objects, PodDisruptionBudget.class, "gpt-train-worker").getSpec().getMinAvailable()
                .getIntVal());
        Job c = coordinator(objects);
        assertEquals(1, c.getSpec().getCompletions());
        assertEquals(0, c.getSpec().getBackoffLimit());
        assertEquals(Map.of("cpu", new Quantity("8"), "memory", new Quantity("48Gi")),
                w.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getRequests());
        assertEquals(Map.of("memory", new Quantity("48Gi"), "nvidia.com/gpu", new Quantity("1")),
                w.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getLimits());
        assertEquals(Map.of("cpu", new Quantity("500m"), "memory", new Quantity("1Gi")),
                c.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getRequests());
        assertEquals(Map.of("memory", new Quantity("1Gi")),
                c.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getLimits());
    }

    @Test
    void rbacServiceAndNetworkPolicyNameOnlyTheJob() throws IOException {
        List<HasMetadata> objects = render();
        Role role = find(objects, Role.class, "gpt-train-coordinator");
        assertEquals(1, role.getRules().size());
        assertEquals(List.of("configmaps"), role.getRules().get(0).getResources());
        assertEquals(List.of("gpt-train-status"), role.getRules().get(0).getResourceNames());
        assertEquals(List.of("get", "patch", "update"), role.getRules().get(0).getVerbs());
        RoleBinding binding = find(objects, RoleBinding.class, "gpt-train-coordinator");
        assertEquals("gpt-train-coordinator", binding.getRoleRef().getName());
        assertEquals("ServiceAccount gpt-train-coordinator", binding.getSubjects().get(0).getKind() + " "
                + binding.getSubjects().get(0).getName());
        Service service = find(objects, Service.class, "gpt-train-coordinator");
        assertEquals("None", service.getSpec().getClusterIP());
        assertEquals(true, service.getSpec().getPublishNotReadyAddresses());
        assertEquals("coordinator", service.getSpec().getSelector().get(JobNames.LABEL_COMPONENT));
        assertEquals("gpt-train", service.getSpec().getSelector().get(JobNames.LABEL_JOB));
        assertEquals(25520, service.getSpec().getPorts().get(0).getPort());
        NetworkPolicy policy = find(objects, NetworkPolicy.class, "gpt-train-job");
        assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes());
        assertEquals("gpt-train", policy.getSpec().getPodSelector().getMatchLabels().get(JobNames.LABEL_JOB));
        assertEquals(1, policy.getSpec().getIngress().size());
        assertEquals("gpt-train", policy.getSpec().getIngress().get(0).getFrom().get(0).getPodSelector()
                .getMatchLabels().get(JobNames.LABEL_JOB));
    }

    @Test
    void workloadIdentityAnnotatesServiceAccountsAndLabelsPods() throws IOException {
        List<HasMetadata> objects = render();
        for (String component : List.of("coordinator", "worker")) {
            assertEquals("00000000-0000-0000-0000-000000000000", find(objects, ServiceAccount.class,
                    "gpt-train-" + component).getMetadata().getAnnotations().get("azure.workload.identity/client-id"));
            assertEquals("true", find(objects, Job.class, "gpt-train-" + component).getSpec().getTemplate()
                    .getMetadata().getLabels().get("azure.workload.identity/use"));
        }
        List<HasMetadata> without = render("spec.kubernetes.workloadIdentity=");
        assertFalse(find(without, ServiceAccount.class, "gpt-train-worker").getMetadata().getAnnotations()
                .containsKey("azure.workload.identity/client-id"));
        assertFalse(workers(without).getSpec().getTemplate().getMetadata().getLabels()
                .containsKey("azure.workload.identity/use"));
    }

    @Test
    void ownerReferencesPointAtTheRootOnlyWhenItsUidIsKnown() throws IOException {
        for (HasMetadata o : render()) {
            assertTrue(o.getMetadata().getOwnerReferences().isEmpty(), o.getMetadata().getName());
        }
        List<HasMetadata> owned = JobResources.render(job(TRAIN),
                RenderOptions.defaults("ml").withOwnerUid("6f1c0000-0000-0000-0000-000000000001"));
        assertTrue(owned.get(0).getMetadata().getOwnerReferences().isEmpty(), "the root owns itself? no");
        for (HasMetadata o : owned.subList(1, owned.size())) {
            List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
            assertEquals(1, refs.size(), o.getMetadata().getName());
            OwnerReference ref = refs.get(0);
            assertEquals(List.of("v1", "ConfigMap", "gpt-train-job", "6f1c0000-0000-0000-0000-000000000001"),
                    List.of(ref.getApiVersion(), ref.getKind(), ref.getName(), ref.getUid()));
            assertEquals(true, ref.getBlockOwnerDeletion());
            assertEquals("ml", o.getMetadata().getNamespace());
        }
    }

    @Test
    void namespaceComesFromTheOptionsThenTheSpec() throws IOException {
        assertEquals("ml-training", render().get(3).getMetadata().getNamespace());
        assertEquals("other", JobResources.render(job(TRAIN), RenderOptions.defaults("other")).get(3)
                .getMetadata().getNamespace());
        assertNull(render("spec.kubernetes.namespace=").get(3).getMetadata().getNamespace());
    }

    @Test
    void secretIsRedactedWithoutOneAndCarriedWithOne() throws IOException {
        Secret empty = find(render(), Secret.class, "gpt-train-cluster");
        assertTrue(empty.getData().isEmpty());
        assertEquals("generated by spindle submit, never printed",
                empty.getMetadata().getAnnotations().get("spindle.dev/secret"));
        ClusterSecret secret = new ClusterSecret("ab".repeat(32).concat("\n").getBytes(StandardCharsets.US_ASCII),
                new byte[] {1, 2, 3});
        List<HasMetadata> objects = JobResources.render(job(TRAIN), RenderOptions.defaults(null).withSecret(secret));
        Secret full = find(objects, Secret.class, "gpt-train-cluster");
        assertArrayEquals(secret.jobSecret(), Base64.getDecoder().decode(full.getData().get("job.secret")));
        assertArrayEquals(new byte[] {1, 2, 3}, Base64.getDecoder().decode(full.getData().get("job-tls.p12")));
        assertEquals("ClusterSecret[redacted]", secret.toString());
    }

    @Test
    void disruptionBudgetSwitchesToPolicyV1beta1ForOldServers() throws IOException {
        List<HasMetadata> old = JobResources.render(job(TRAIN), RenderOptions.defaults(null).withPolicyV1(false));
        var pdb = find(old, io.fabric8.kubernetes.api.model.policy.v1beta1.PodDisruptionBudget.class,
                "gpt-train-worker");
        assertEquals("policy/v1beta1", pdb.getApiVersion());
        assertEquals(2, pdb.getSpec().getMinAvailable().getIntVal());
        assertEquals("gpt-train", pdb.getSpec().getSelector().getMatchLabels().get(JobNames.LABEL_JOB));
        assertEquals("policy/v1", find(render(), PodDisruptionBudget.class, "gpt-train-worker").getApiVersion());
    }

    @Test
    void resumeAddsTheFlagToTheCoordinatorOnly() throws IOException {
        List<HasMetadata> resumed = JobResources.render(job(TRAIN), RenderOptions.defaults(null).withResume(true));
        List<String> args = coordinator(resumed).getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
        assertEquals("--resume", args.get(args.size() - 1));
        assertFalse(workers(resumed).getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()
                .contains("--resume"));
        assertFalse(coordinator(render()).getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()
                .contains("--resume"));
    }

    @Test
    void aksStandardPlacesWorkersOnGpuNodePools() throws IOException {
        PodSpec pod = workers(render()).getSpec().getTemplate().getSpec();
        assertEquals(new Quantity("1"), pod.getContainers().get(0).getResources().getLimits().get("nvidia.com/gpu"));
        assertEquals(Map.of("kubernetes.azure.com/accelerator", "nvidia"), pod.getNodeSelector());
        assertEquals(List.of("sku Equal gpu NoSchedule", "nvidia.com/gpu Exists null NoSchedule"),
                pod.getTolerations().stream().map(JobResourcesTest::toleration).toList());
        PodSpec coordinator = coordinator(render()).getSpec().getTemplate().getSpec();
        assertTrue(coordinator.getNodeSelector().isEmpty() && coordinator.getTolerations().isEmpty(), "CPU pod");
        assertFalse(coordinator.getContainers().get(0).getResources().getLimits().containsKey("nvidia.com/gpu"));
    }

    @Test
    void aksAutomaticAsksNodeAutoProvisioningForNvidiaGpus() throws IOException {
        List<HasMetadata> objects = render("spec.kubernetes.overlay=aks-automatic", "spec.kubernetes.workers.gpus=2");
        PodSpec pod = workers(objects).getSpec().getTemplate().getSpec();
        assertEquals(new Quantity("2"), pod.getContainers().get(0).getResources().getLimits().get("nvidia.com/gpu"));
        assertEquals(Map.of("karpenter.azure.com/sku-gpu-manufacturer", "nvidia"), pod.getNodeSelector());
        assertEquals(List.of("nvidia.com/gpu Exists null NoSchedule"),
                pod.getTolerations().stream().map(JobResourcesTest::toleration).toList());
        assertEquals("aks-automatic", objects.get(0).getMetadata().getAnnotations().get("spindle.dev/overlay"));
    }

    @Test
    void specPlacementAddsToTheOverlays() throws IOException {
        List<HasMetadata> objects = render("spec.kubernetes.workers.gpus=0",
                "spec.kubernetes.priorityClassName=training",
                "spec.kubernetes.nodeSelector={agentpool: gpu}",
                "spec.kubernetes.tolerations=[{key: team, value: ml, effect: NoExecute}]");
        PodSpec pod = workers(objects).getSpec().getTemplate().getSpec();
        assertFalse(pod.getContainers().get(0).getResources().getLimits().containsKey("nvidia.com/gpu"), "gpus: 0");
        assertEquals(Map.of("kubernetes.azure.com/accelerator", "nvidia", "agentpool", "gpu"), pod.getNodeSelector());
        assertEquals(List.of("sku Equal gpu NoSchedule", "nvidia.com/gpu Exists null NoSchedule",
                "team Equal ml NoExecute"), pod.getTolerations().stream().map(JobResourcesTest::toleration).toList());
        assertEquals("training", pod.getPriorityClassName());
        assertEquals("training", coordinator(objects).getSpec().getTemplate().getSpec().getPriorityClassName());
    }

    @Test
    void yamlReadsBackToTheSameObjects() throws IOException {
        List<HasMetadata> objects = JobResources.render(job(TRAIN), RenderOptions.defaults(null)
                .withSecret(new ClusterSecret(new byte[] {9}, new byte[] {8})).withOwnerUid("uid-1"));
        String yaml = JobResources.toYaml(objects);
        assertTrue(yaml.startsWith("---\n"));
        assertEquals(yaml, JobResources.toYaml(objects), "stable");
        List<HasMetadata> read = new KubernetesSerialization().unmarshal(yaml);
        assertEquals(objects, read);
    }

    @Test
    void jobWithoutKubernetesSectionOrImageIsRefusedNamingTheField() throws IOException {
        SpecException none = assertThrows(SpecException.class, () -> JobResources.render(
                job(TRAIN, "spec.kubernetes="), RenderOptions.defaults(null)));
        assertEquals("spec.kubernetes", none.problems().get(0).path());
        SpecException image = assertThrows(SpecException.class, () -> JobResources.render(
                job(TRAIN, "spec.kubernetes.image="), RenderOptions.defaults(null)));
        assertTrue(image.getMessage().startsWith("spec.kubernetes.image: missing, expected the trainer image pinned"
                + " by digest"), image.getMessage());
    }

    @Test
    void namesKubernetesCannotTakeAreRefused() throws IOException {
        SpecException digit = assertThrows(SpecException.class, () -> JobResources.render(
                job(TRAIN).withName("7b-train"), RenderOptions.defaults(null)));
        assertEquals("metadata.name: got '7b-train', expected a name that starts with a letter and has at most 51"
                + " characters to run on Kubernetes (7b-train-coordinator names the coordinator's Service)",
                digit.getMessage());
        String longName = "a".repeat(52);
        assertThrows(SpecException.class, () -> JobResources.render(job(TRAIN).withName(longName),
                RenderOptions.defaults(null)));
        assertEquals(Optional.of("a".repeat(51) + "-coordinator"), JobResources.render(job(TRAIN)
                .withName("a".repeat(51)), RenderOptions.defaults(null)).stream().filter(o -> o instanceof Job)
                .map(o -> o.getMetadata().getName()).findFirst());
    }

    private static Map<String, Integer> ports(Container c) {
        return c.getPorts().stream().collect(java.util.stream.Collectors.toMap(p -> p.getName(),
                p -> p.getContainerPort()));
    }

    private static String env(EnvVar e) {
        return e.getName() + "=" + (e.getValueFrom() != null ? e.getValueFrom().getFieldRef().getFieldPath()
                : e.getValue());
    }

    private static String mount(VolumeMount m) {
        return m.getName() + "=" + m.getMountPath() + (Boolean.TRUE.equals(m.getReadOnly()) ? " ro" : " rw");
    }

    private static String volume(Volume v) {
        if (v.getConfigMap() != null) {
            return v.getName() + "=configMap " + v.getConfigMap().getName();
        }
        if (v.getSecret() != null) {
            return v.getName() + "=secret " + v.getSecret().getSecretName() + " mode 0"
                    + Integer.toOctalString(v.getSecret().getDefaultMode());
        }
        return v.getName() + (v.getEmptyDir() != null ? "=emptyDir" : "=?");
    }

    private static String toleration(Toleration t) {
        return t.getKey() + " " + t.getOperator() + " " + t.getValue() + " " + t.getEffect();
    }
}

package dev.spindle.launcher.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.launcher.JobException;
import dev.spindle.launcher.kube.render.JobNames;
import dev.spindle.spec.JobSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KubeJobs against fabric8's mock server in CRUD mode: fast, but no defaulting, no controllers and no
 * server-side apply (objects are created or updated instead). KubeJobsIT runs the same on a real API server.
 */
@EnableKubernetesMockClient(crud = true)
class KubeJobsTest {

    private static final String NS = "ml";

    KubernetesClient client;

    @TempDir
    Path records;

    private KubeJobs jobs;

    @BeforeEach
    void namespace() {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
        jobs = new KubeJobs(client, Optional.of(NS), Applier.createOrUpdate(), new JobRecords(records), new AtomicLong());
    }

    private List<HasMetadata> objectsOf(String job) {
        return List.copyOf(KubeTestJobs.objects(client, NS, job).values());
    }

    @Test
    void submitAppliesTheRootFirstAndEverythingElseOwnedByIt() {
        SubmittedJob job = jobs.submit(KubeTestJobs.job("gpt", 2), SubmitOptions.DEFAULT);
        assertEquals("gpt", job.name());
        assertEquals(NS, job.namespace());
        ConfigMap root = client.configMaps().inNamespace(NS).withName("gpt-job").get();
        assertNotNull(root.getMetadata().getUid());
        assertTrue(root.getData().get("job.yaml").contains("name: gpt"));
        List<HasMetadata> objects = objectsOf("gpt");
        assertEquals(12, objects.size(), "root and status ConfigMaps, Secret, 2 SAs, Role, RoleBinding, Service,"
                + " 2 Jobs, NetworkPolicy, PodDisruptionBudget (policy/v1beta1: the mock serves no discovery): " + objects.stream().map(o -> o.getKind() + " " + o.getMetadata().getName()).toList());
        for (HasMetadata o : objects) {
            if (o.getMetadata().getName().equals("gpt-job")) {
                continue;
            }
            List<OwnerReference> owners = o.getMetadata().getOwnerReferences();
            assertEquals(1, owners.size(), o.getKind() + " " + o.getMetadata().getName());
            assertEquals(root.getMetadata().getUid(), owners.get(0).getUid());
            assertEquals("ConfigMap", owners.get(0).getKind());
        }
        assertEquals("{}", client.configMaps().inNamespace(NS).withName("gpt-status").get().getData().get("status.json"));
        Secret secret = client.secrets().inNamespace(NS).withName("gpt-cluster").get();
        assertNotNull(secret.getData().get("job.secret"));
        assertEquals(JobPhase.PENDING, jobs.status("gpt").phase());
        assertEquals(Optional.of(KubeTestJobs.job("gpt", 2)), new JobRecords(records).find(jobs.server(), NS, "gpt"),
                "resume finds it after a cancel");
    }

    @Test
    void reSubmittingKeepsTheSecretAndTheCoordinatorsStatus() {
        jobs.submit(KubeTestJobs.job("gpt", 2), SubmitOptions.DEFAULT);
        Secret before = client.secrets().inNamespace(NS).withName("gpt-cluster").get();
        Kubelet.report(client, NS, "gpt-status", "{\"phase\": \"Running\", \"generation\": 1, \"worldSize\": 2, \"step\": 3}");
        jobs.submit(KubeTestJobs.job("gpt", 2), SubmitOptions.DEFAULT);
        Secret after = client.secrets().inNamespace(NS).withName("gpt-cluster").get();
        assertEquals(before.getData(), after.getData(), "running pods keep their cluster secret");
        assertEquals(3, jobs.status("gpt").report().step(), "the coordinator's report survives a re-submit");
    }

    @Test
    void aSpecThatCannotRunOnKubernetesAppliesNothing() {
        assertThrows(JobException.class, () -> jobs.submit(KubeTestJobs.job("gpt", 2, "spec.data.uri=data/train"),
                SubmitOptions.DEFAULT));
        assertEquals(List.of(), objectsOf("gpt"));
    }

    @Test
    void listStatusLogsAndCancelFindTheJobByName() {
        jobs.submit(KubeTestJobs.job("gpt", 2), SubmitOptions.DEFAULT);
        jobs.submit(KubeTestJobs.job("bert", 1), SubmitOptions.DEFAULT);
        assertEquals(List.of("bert", "gpt"), jobs.list().stream().map(JobStatus::name).toList());
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("gpt-worker-a")
                .addToLabels(JobNames.LABEL_JOB, "gpt").addToLabels(JobNames.LABEL_COMPONENT, "worker").endMetadata()
                .withNewStatus().withPhase("Failed").endStatus().build()).create();
        assertEquals(1, jobs.status("gpt").failedWorkers().size());

        KubeException noRank = assertThrows(KubeException.class,
                () -> jobs.logs("gpt", OptionalInt.of(0), false, new ByteArrayOutputStream()));
        assertEquals("job gpt has no rank 0 yet: the coordinator has not assigned ranks", noRank.getMessage());
        Kubelet.report(client, NS, "gpt-status", "{\"phase\": \"Running\", \"ranks\": {\"0\": \"gpt-worker-a\"}}");
        KubeException wrongRank = assertThrows(KubeException.class,
                () -> jobs.logs("gpt", OptionalInt.of(3), false, new ByteArrayOutputStream()));
        assertEquals("job gpt has no rank 3: the coordinator reports ranks [0] (generation 0)", wrongRank.getMessage());

        JobSpec cancelled = jobs.cancel("gpt");
        assertEquals("abfss://checkpoints@acct.dfs.core.windows.net/gpt", cancelled.spec().checkpoint().uri());
        assertNull(client.configMaps().inNamespace(NS).withName("gpt-job").get());
        KubeException gone = assertThrows(KubeException.class, () -> jobs.status("gpt"));
        assertTrue(gone.getMessage().startsWith("no job gpt in namespace ml (no ConfigMap gpt-job)"), gone.getMessage());
    }

    @Test
    void resumeRefusesARunningJobAndFindsACancelledOneInTheRecords() {
        jobs.submit(KubeTestJobs.job("gpt", 2), SubmitOptions.DEFAULT);
        Kubelet.report(client, NS, "gpt-status", "{\"phase\": \"Running\", \"step\": 12}");
        KubeException running = assertThrows(KubeException.class,
                () -> jobs.resume("gpt", Optional.empty(), java.time.Duration.ofSeconds(5)));
        assertTrue(running.getMessage().startsWith("job gpt is still running (Running, step 12); resume is for a failed"
                + " or cancelled job"), running.getMessage());

        jobs.cancel("gpt");  // the mock server has no garbage collector: the owned objects stay, the root goes
        SubmittedJob resumed = jobs.resume("gpt", Optional.empty(), java.time.Duration.ofSeconds(5));
        assertEquals("gpt", resumed.name());
        List<String> args = client.batch().v1().jobs().inNamespace(NS).withName("gpt-coordinator").get().getSpec()
                .getTemplate().getSpec().getContainers().get(0).getArgs();
        assertTrue(args.contains("--resume"), args.toString());
    }

    @Test
    void resumeOfAJobNobodyRecordedSaysWhatToDo() {
        KubeException e = assertThrows(KubeException.class,
                () -> jobs.resume("nope", Optional.empty(), java.time.Duration.ofSeconds(1)));
        assertTrue(e.getMessage().startsWith("job nope is not in namespace ml and this machine has no record of it"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("resume it with --job JOB.yaml"), e.getMessage());
    }
}

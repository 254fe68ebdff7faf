package dev.spindle.launcher.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.launcher.Spindle;
import dev.spindle.launcher.kube.render.JobNames;
import dev.spindle.spec.JobSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher against the real kube-apiserver v1.20.2 of {@code .ci/kube-up} (etcd, RBAC, the Job controller
 * and the garbage collector running): server-side apply, owner references, status from real Jobs and pods,
 * following, a failed worker, resume, cancel, diff. The test plays scheduler, kubelet and coordinator
 * ({@link Kubelet}).
 */
class KubeJobsIT {

    private static final Duration CONTROLLER = Duration.ofSeconds(60);

    @TempDir
    Path records;

    private LocalKube kube;
    private KubeJobs jobs;
    private Kubelet kubelet;

    @BeforeEach
    void start() {
        kube = LocalKube.start("spindle-it");
        jobs = kube.jobs(records);
        kubelet = new Kubelet(kube.admin, kube.namespace);
    }

    @AfterEach
    void stop() {
        if (jobs != null) {
            jobs.close();
        }
        if (kube != null) {
            kube.close();
        }
    }

    private Map<String, HasMetadata> objectsOf(String job) {
        return KubeTestJobs.objects(kube.admin, kube.namespace, job);
    }

    private static String statusJson(String phase, long generation, int worldSize, long step, List<Pod> ranks) {
        StringBuilder r = new StringBuilder();
        for (int i = 0; i < ranks.size(); i++) {
            r.append(i == 0 ? "" : ", ").append('"').append(i).append("\": \"").append(ranks.get(i).getMetadata().getName())
                    .append('"');
        }
        return "{\"phase\": \"" + phase + "\", \"generation\": " + generation + ", \"worldSize\": " + worldSize
                + ", \"desiredWorkers\": 2, \"step\": " + step + ", \"totalSteps\": 40, \"loss\": 3.5, \"checkpointStep\": "
                + (step >= 10 ? 10 : -1) + ", \"ranks\": {" + r + "}, \"updated\": \"2026-11-30T04:00:00Z\"}";
    }

    private static boolean worker(Pod p) {
        return "worker".equals(p.getMetadata().getLabels().get(JobNames.LABEL_COMPONENT));
    }

    @Test
    void submitFollowFailResumeCancelOnARealApiServer() throws Exception {
        String ns = kube.namespace;
        JobSpec spec = KubeTestJobs.job("gpt", 2);
        SubmittedJob job = jobs.submit(spec, SubmitOptions.DEFAULT);

        // Everything exists, owned by the root, applied server-side by field manager "spindle".
        ConfigMap root = kube.admin.configMaps().inNamespace(ns).withName("gpt-job").get();
        ManagedFieldsEntry applied = root.getMetadata().getManagedFields().get(0);
        assertEquals("spindle", applied.getManager());
        assertEquals("Apply", applied.getOperation());
        Map<String, HasMetadata> objects = objectsOf("gpt");
        for (String expected : List.of("ConfigMap gpt-job", "ConfigMap gpt-status", "Secret gpt-cluster",
                "ServiceAccount gpt-coordinator", "ServiceAccount gpt-worker", "Role gpt-coordinator",
                "RoleBinding gpt-coordinator", "Service gpt-coordinator", "Job gpt-coordinator", "Job gpt-worker",
                "NetworkPolicy gpt-job", "PodDisruptionBudget gpt-worker")) {
            HasMetadata o = objects.get(expected);
            assertNotNull(o, expected + " in " + objects.keySet());
            if (!expected.equals("ConfigMap gpt-job")) {
                assertEquals(root.getMetadata().getUid(), o.getMetadata().getOwnerReferences().get(0).getUid(), expected);
            }
        }
        assertEquals("policy/v1beta1", objects.get("PodDisruptionBudget gpt-worker").getApiVersion(),
                "v1.20 serves no policy/v1: discovery chose v1beta1");
        assertEquals("{}", kube.admin.configMaps().inNamespace(ns).withName("gpt-status").get().getData().get("status.json"));
        assertTrue(job.warnings().get(0).startsWith("no node has 1 allocatable nvidia.com/gpu"), job.warnings().toString());

        // Follow from another thread while the test plays scheduler, kubelet and coordinator.
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<JobStatus> followed = CompletableFuture.supplyAsync(
                () -> job.await(Duration.ofMinutes(3), e -> events.add(e.line())));

        List<Pod> pods = kubelet.awaitPods("gpt", 3, p -> true, CONTROLLER);
        List<Pod> workers = pods.stream().filter(KubeJobsIT::worker).sorted((x, y) -> x.getMetadata().getName()
                .compareTo(y.getMetadata().getName())).toList();
        assertEquals(JobPhase.PENDING, jobs.status("gpt").phase());
        for (Pod p : pods) {
            kubelet.schedule(p);
            kubelet.running(p);
        }
        KubernetesClient coordinator = kube.as("system:serviceaccount:" + ns + ":gpt-coordinator");
        try {
            Kubelet.report(coordinator, ns, "gpt-status", statusJson("Forming", 0, 0, 0, List.of()));
            Kubelet.report(coordinator, ns, "gpt-status", statusJson("Running", 1, 2, 10, workers));
            // The Role allows the coordinator its status ConfigMap and nothing else.
            KubernetesClientException denied = assertThrows(KubernetesClientException.class,
                    () -> Kubelet.report(coordinator, ns, "gpt-job", "{\"phase\": \"Running\"}"));
            assertEquals(403, denied.getCode());
            KubeException deniedLine = KubeErrors.translate(denied, "patching ConfigMap gpt-job", jobs.server());
            assertTrue(deniedLine.getMessage().contains("User \"system:serviceaccount:" + ns + ":gpt-coordinator\""
                    + " cannot patch resource \"configmaps\" in API group \"\" in the namespace \"" + ns + "\""),
                    deniedLine.getMessage());
            awaitPhase("gpt", JobPhase.RUNNING);

            // Running: resume refuses; submitting again changes nothing (server-side apply), status.json included.
            KubeException running = assertThrows(KubeException.class,
                    () -> jobs.resume("gpt", Optional.empty(), Duration.ofSeconds(10)));
            assertTrue(running.getMessage().startsWith("job gpt is still running (Running, step 10)"), running.getMessage());
            Map<String, String> versions = versions(objectsOf("gpt"));
            jobs.submit(spec, SubmitOptions.DEFAULT);
            assertEquals(versions, versions(objectsOf("gpt")), "a second submit of the same job changes no object");
            assertEquals(List.of(), jobs.diff("gpt"), "nothing drifted");

            // One worker fails: reported, and the Job controller starts a replacement (backoffLimit = maxRestarts 2).
            kubelet.failed(workers.get(1), 137);
            JobStatus withFailure = awaitFailedWorker("gpt");
            assertEquals(workers.get(1).getMetadata().getName(), withFailure.failedWorkers().get(0).name());
            assertEquals("Error, exit code 137", withFailure.failedWorkers().get(0).reason());
            kubelet.awaitPods("gpt", 3, p -> worker(p), CONTROLLER);
            assertEquals(List.of("gpt"), jobs.list().stream().map(JobStatus::name).toList());

            // The coordinator gives up: following ends with the job Failed.
            Kubelet.report(coordinator, ns, "gpt-status", statusJson("Failed", 1, 1, 14, workers.subList(0, 1))
                    .replace("\"phase\": \"Failed\"", "\"phase\": \"Failed\", \"message\": \"restarts exhausted\""));
        } finally {
            coordinator.close();
        }
        JobStatus end = followed.get(2, TimeUnit.MINUTES);
        assertEquals(JobPhase.FAILED, end.phase());
        assertTrue(events.contains("cluster formed: generation 1 with 2 worker(s)"), events.toString());
        assertTrue(events.contains("step 10/40, loss 3.5000"), events.toString());
        assertTrue(events.stream().anyMatch(e -> e.equals("worker pod " + workers.get(1).getMetadata().getName()
                + " Failed (Error, exit code 137)")), events.toString());
        assertEquals("job Failed: restarts exhausted", events.get(events.size() - 1));

        // Resume a failed job that is still there: its objects go (foreground), new ones come with --resume.
        String oldUid = kube.admin.configMaps().inNamespace(ns).withName("gpt-job").get().getMetadata().getUid();
        CompletableFuture<SubmittedJob> resumed = CompletableFuture.supplyAsync(
                () -> jobs.resume("gpt", Optional.empty(), Duration.ofSeconds(90)));
        while (!resumed.isDone()) {
            kubelet.finishDeletions();  // the kubelet removes stopped pods for good; the GC waits for that
            Thread.sleep(200);
        }
        resumed.get();
        assertFalse(oldUid.equals(kube.admin.configMaps().inNamespace(ns).withName("gpt-job").get().getMetadata().getUid()));
        assertTrue(coordinatorArgs().contains("--resume"), coordinatorArgs().toString());
        assertEquals("{}", kube.admin.configMaps().inNamespace(ns).withName("gpt-status").get().getData().get("status.json"));

        // Cancel: the garbage collector deletes everything the root owned; the spec stays in the records.
        kubelet.awaitPods("gpt", 3, p -> p.getMetadata().getDeletionTimestamp() == null, CONTROLLER);
        JobSpec cancelled = jobs.cancel("gpt");
        assertEquals(spec.spec().checkpoint().uri(), cancelled.spec().checkpoint().uri());
        CompletableFuture<Boolean> deleted = CompletableFuture.supplyAsync(() -> jobs.awaitDeleted("gpt", Duration.ofSeconds(90)));
        while (!deleted.isDone()) {
            kubelet.finishDeletions();
            Thread.sleep(200);
        }
        assertTrue(deleted.get(), "the root went after everything it owned");
        awaitNoObjects("gpt");
        assertThrows(KubeException.class, () -> jobs.status("gpt"));

        // Resume a cancelled job: from this machine's record of what it submitted.
        jobs.resume("gpt", Optional.empty(), Duration.ofSeconds(10));
        assertTrue(coordinatorArgs().contains("--resume"), coordinatorArgs().toString());
        assertEquals(JobPhase.PENDING, jobs.status("gpt").phase());
        // Submitting the resumed job again keeps its coordinator's --resume (a Job's pods cannot change).
        Map<String, String> resumedVersions = versions(objectsOf("gpt"));
        jobs.submit(spec, SubmitOptions.DEFAULT);
        assertEquals(resumedVersions, versions(objectsOf("gpt")));
        assertEquals(List.of(), jobs.diff("gpt"));
    }

    @Test
    void diffReportsAChangedImageAndLabel() {
        // Through the Java front door, on a connection the handle owns.
        try (SubmittedJob job = Spindle.submit(KubeTestJobs.job("gpt", 2), kube.target())) {
            assertEquals(kube.namespace, job.namespace());
            assertEquals(JobPhase.PENDING, job.status().phase());
        }
        assertEquals(List.of(), jobs.diff("gpt"));
        String ns = kube.namespace;
        // Someone relabels a Job and points the stored spec at another image (a Job's pods cannot change).
        kube.admin.batch().v1().jobs().inNamespace(ns).withName("gpt-worker")
                .edit(j -> { j.getMetadata().getLabels().put(JobNames.LABEL_JOB_TYPE, "fine-tune"); return j; });
        kube.admin.configMaps().inNamespace(ns).withName("gpt-job").edit(cm -> {
            cm.getData().put("job.yaml", cm.getData().get("job.yaml").replace("ab".repeat(32), "cd".repeat(32)));
            return cm;
        });
        List<String> drift = jobs.diff("gpt").stream().map(Drift::line).toList();
        assertTrue(drift.contains("Job gpt-worker: metadata.labels.spindle.dev/job-type: live \"fine-tune\", rendered \"train\""),
                drift.toString());
        assertTrue(drift.stream().anyMatch(d -> d.startsWith("Job gpt-worker: spec.template.spec.containers[worker].image:"
                + " live \"" + KubeTestJobs.IMAGE + "\"")), drift.toString());
        assertTrue(drift.stream().anyMatch(d -> d.startsWith("Job gpt-coordinator: spec.template.spec.containers[coordinator]"
                + ".image:")), drift.toString());
    }

    @Test
    void errorsAreOneClearLine() {
        String ns = kube.namespace;
        // RBAC: a user with no Role at all.
        try (KubeJobs alice = kube.jobs(kube.as("alice"), records)) {
            KubeException e = assertThrows(KubeException.class, () -> alice.submit(KubeTestJobs.job("gpt", 1),
                    SubmitOptions.DEFAULT));
            assertTrue(e.getMessage().startsWith("permission denied (403) while submitting job gpt to namespace " + ns
                    + ": User \"alice\" cannot "), e.getMessage());
            assertTrue(e.getMessage().contains("in the namespace \"" + ns + "\""), e.getMessage());
        }
        // A namespace that does not exist.
        try (KubeJobs elsewhere = KubeJobs.connect(kube.target().withNamespace(ns + "-nope"), new JobRecords(records))) {
            KubeException missing = assertThrows(KubeException.class, () -> elsewhere.submit(KubeTestJobs.job("gpt", 1),
                    SubmitOptions.DEFAULT));
            assertTrue(missing.getMessage().startsWith("namespace '" + ns + "-nope' does not exist: create it"),
                    missing.getMessage());
        }
        // Credentials the server does not know.
        KubernetesClient stranger = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder(kube.admin.getConfiguration()).withOauthToken("expired")
                        .build()).build();
        try (KubeJobs expired = kube.jobs(stranger, records)) {
            KubeException e = assertThrows(KubeException.class, () -> expired.list());
            assertTrue(e.getMessage().startsWith("the Kubernetes API server at https://127.0.0.1:"), e.getMessage());
            assertTrue(e.getMessage().contains("rejected the credentials (401 Unauthorized) while listing jobs in namespace "
                    + ns), e.getMessage());
        }
    }

    private List<String> coordinatorArgs() {
        return kube.admin.batch().v1().jobs().inNamespace(kube.namespace).withName("gpt-coordinator").get().getSpec()
                .getTemplate().getSpec().getContainers().get(0).getArgs();
    }

    private static Map<String, String> versions(Map<String, HasMetadata> objects) {
        Map<String, String> v = new TreeMap<>();
        objects.forEach((k, o) -> {
            if (!k.startsWith("Pod ")) {  // the controllers may touch pods and Job status meanwhile
                v.put(k, o instanceof io.fabric8.kubernetes.api.model.batch.v1.Job ? "" : o.getMetadata().getResourceVersion());
            }
        });
        return v;
    }

    private void awaitPhase(String job, JobPhase phase) throws InterruptedException {
        long deadline = System.nanoTime() + CONTROLLER.toNanos();
        while (jobs.status(job).phase() != phase) {
            assertTrue(System.nanoTime() < deadline, "phase " + jobs.status(job).phase() + ", waited for " + phase);
            Thread.sleep(100);
        }
    }

    private JobStatus awaitFailedWorker(String job) throws InterruptedException {
        long deadline = System.nanoTime() + CONTROLLER.toNanos();
        while (true) {
            JobStatus s = jobs.status(job);
            if (!s.failedWorkers().isEmpty()) {
                return s;
            }
            assertTrue(System.nanoTime() < deadline, "no failed worker reported: " + s.describe());
            Thread.sleep(100);
        }
    }

    private void awaitNoObjects(String job) throws InterruptedException {
        long deadline = System.nanoTime() + CONTROLLER.toNanos();
        while (!objectsOf(job).isEmpty()) {
            kubelet.finishDeletions();
            assertTrue(System.nanoTime() < deadline, "left after cancel: " + objectsOf(job).keySet());
            Thread.sleep(200);
        }
    }
}

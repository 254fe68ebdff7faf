package dev.spindle.launcher.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spindle.launcher.cli.SpindleCli;
import dev.spindle.launcher.kube.render.JobNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spindle commands submit, status, list, diff, logs and cancel against the real API server. */
class KubeCliIT {

    @TempDir
    Path dir;

    private LocalKube kube;

    @BeforeEach
    void start() {
        kube = LocalKube.start("spindle-cli");
    }

    @AfterEach
    void stop() {
        kube.close();
    }

    private record Run(int exit, String out, String err) {}

    private Run spindle(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(new String[] {"--kubeconfig", kube.kubeconfig.toString(), "-n", kube.namespace}, 0, all,
                args.length, 4);
        int exit = SpindleCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), all);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void submitFollowsToTheEndAndTheOtherCommandsFindTheJob() throws Exception {
        Path job = KubeTestJobs.jobFile(dir, "gpt", 1);
        CompletableFuture<Run> submit = CompletableFuture.supplyAsync(() -> spindle("submit", job.toString()));
        Kubelet kubelet = new Kubelet(kube.admin, kube.namespace);
        List<Pod> pods = kubelet.awaitPods("gpt", 2, p -> true, Duration.ofSeconds(60));
        Pod worker = pods.stream().filter(p -> "worker".equals(p.getMetadata().getLabels().get(JobNames.LABEL_COMPONENT)))
                .findFirst().orElseThrow();
        try (KubernetesClient coordinator = kube.as("system:serviceaccount:" + kube.namespace + ":gpt-coordinator")) {
            Kubelet.report(coordinator, kube.namespace, "gpt-status", "{\"phase\": \"Running\", \"generation\": 1,"
                    + " \"worldSize\": 1, \"step\": 20, \"totalSteps\": 40, \"loss\": 2.5, \"ranks\": {\"0\": \""
                    + worker.getMetadata().getName() + "\"}}");

            Run status = spindle("status", "gpt");
            assertEquals(0, status.exit(), status.err());
            assertTrue(status.out().startsWith("job gpt in namespace " + kube.namespace + ": Running\n"), status.out());
            assertTrue(status.out().contains("step 20/40, loss 2.5000"), status.out());

            Run list = spindle("list");
            assertEquals(0, list.exit(), list.err());
            assertTrue(list.out().startsWith("gpt "), list.out());

            Run unscheduled = spindle("logs", "gpt", "--rank", "0");
            assertEquals(SpindleCli.FAILED, unscheduled.exit(), unscheduled.out());
            assertEquals("spindle: pod " + worker.getMetadata().getName() + " of job gpt is not scheduled yet (Pending):"
                    + " it has no log; spindle status gpt shows the pods", unscheduled.err().strip());
            kubelet.schedule(worker);
            Run noKubelet = spindle("logs", "gpt", "--rank", "0");
            assertEquals(SpindleCli.FAILED, noKubelet.exit(), "no kubelet serves logs here: " + noKubelet.out());
            assertEquals(1, noKubelet.err().strip().lines().count(), noKubelet.err());
            assertTrue(noKubelet.err().startsWith("spindle: reading the log of pod " + worker.getMetadata().getName()),
                    noKubelet.err());

            Run noDrift = spindle("diff", "gpt");
            assertEquals(0, noDrift.exit(), noDrift.out() + noDrift.err());
            kube.admin.services().inNamespace(kube.namespace).withName("gpt-coordinator")
                    .edit(s -> { s.getMetadata().getLabels().put(JobNames.LABEL_JOB, "someone-else"); return s; });
            Run drift = spindle("diff", "gpt");
            assertEquals(1, drift.exit(), drift.err());
            assertTrue(drift.out().contains("Service gpt-coordinator: metadata.labels.spindle.dev/job: live \"someone-else\","
                    + " rendered \"gpt\""), drift.out());

            Kubelet.report(coordinator, kube.namespace, "gpt-status", "{\"phase\": \"Succeeded\", \"generation\": 1,"
                    + " \"worldSize\": 1, \"step\": 40, \"totalSteps\": 40, \"loss\": 2.1, \"checkpointStep\": 40}");
        }
        Run submitted = submit.get(2, TimeUnit.MINUTES);
        assertEquals(0, submitted.exit(), submitted.out() + submitted.err());
        assertTrue(submitted.out().startsWith("spindle: submitted gpt to namespace " + kube.namespace), submitted.out());
        assertTrue(submitted.out().contains("spindle: WARNING: no node has 1 allocatable nvidia.com/gpu"), submitted.out());
        assertTrue(submitted.out().contains("spindle: cluster formed: generation 1 with 1 worker(s)"), submitted.out());
        assertTrue(submitted.out().contains("spindle: step 20/40, loss 2.5000"), submitted.out());
        assertTrue(submitted.out().strip().endsWith("spindle: job Succeeded"), submitted.out());

        Run again = spindle("submit", job.toString(), "--detach");
        assertEquals(SpindleCli.FAILED, again.exit(), again.out());
        assertTrue(again.err().startsWith("spindle: job gpt already ran in namespace " + kube.namespace + " (Succeeded);"
                + " continue it from its last checkpoint with spindle resume gpt"), again.err());

        // The kubelet finishes the deletion of the pod it was given; the garbage collector deletes the rest.
        CompletableFuture<Run> cancelling = CompletableFuture.supplyAsync(() -> spindle("cancel", "gpt", "--wait", "90"));
        while (!cancelling.isDone()) {
            kubelet.finishDeletions();
            Thread.sleep(200);
        }
        Run cancel = cancelling.get();
        assertEquals(0, cancel.exit(), cancel.err());
        assertTrue(cancel.out().contains("spindle: deleted\n"), cancel.out());
        assertTrue(cancel.out().contains("checkpoints are kept at abfss://checkpoints@acct.dfs.core.windows.net/gpt;"
                + " continue with: spindle resume gpt"), cancel.out());
        Run gone = spindle("status", "gpt");
        assertEquals(SpindleCli.FAILED, gone.exit());
        assertTrue(gone.err().startsWith("spindle: no job gpt in namespace " + kube.namespace), gone.err());
    }
}

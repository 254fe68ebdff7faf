package dev.spindle.launcher.kube.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.spindle.data.storage.Storage;
import dev.spindle.launcher.TestJobs;
import dev.spindle.launcher.cli.SpindleCli;
import dev.spindle.launcher.kube.JobPhase;
import dev.spindle.launcher.kube.JobStatus;
import dev.spindle.launcher.kube.KubeJobs;
import dev.spindle.launcher.kube.LocalKube;
import dev.spindle.launcher.kube.PodState;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spindle submit} of a small training job (a tiny GPT, two workers, 24 steps, a checkpoint every 6) to the
 * real kube-apiserver of {@code .ci/kube-up}, run to its end by the pods' containers from the trainer image: the
 * Job controller makes the coordinator's and the workers' pods, {@link PodmanKubelet} plays scheduler and kubelet
 * for real (each pod's container run by podman from the pod spec, on a loopback address of its own), and the
 * coordinator writes its status through the API server with its service account's token.
 *
 * <p>Storage is Azurite over {@code abfs://}: the dataset is prepared by the repo's text preparer and uploaded, the
 * checkpoints are written there by the workers. The pods get the storage settings and key ({@code SPINDLE_AZURE_*})
 * added to their env by the test's kubelet, standing in for what on AKS the workload-identity webhook (a mutating
 * admission webhook) does when it injects its {@code AZURE_*} env; the rendered pods carry no key. It also appends
 * one-thread DJL options to the pods' {@code JAVA_TOOL_OPTIONS}, so that three JVMs share two cores sanely.
 *
 * <p>Runs in the launcher's {@code image} profile (like {@link WorkerImageIT}); needs {@code .ci/kube-up}'s API
 * server, Azurite on 127.0.0.1:10000, podman and runc, and fails saying which is missing.
 */
class SubmitEndToEndIT {

    private static final int STEPS = 24;

    @TempDir
    Path dir;

    @Test
    void submitRunsTheJobInContainersOfTheImageToItsEnd() throws Exception {
        String image = Podman.testImage("SubmitEndToEndIT");
        azurite();
        Podman podman = Podman.here();
        String imageId = podman.pull(image);
        String pinned = "localhost/spindle-trainer@" + podman.run("image", "inspect", "--format", "{{.Digest}}", imageId);
        String storage = "abfs://e2e-" + UUID.randomUUID().toString().substring(0, 8)
                + "@devstoreaccount1.dfs.core.windows.net/";
        Path job = job(storage, pinned);

        LocalKube kube = LocalKube.start("spindle-e2e");
        PodmanKubelet kubelet = new PodmanKubelet(kube.admin, kube.namespace, podman, pinned, imageId, dir,
                storageEnv(), Podman.ONE_THREAD);
        try (KubeJobs jobs = kube.jobs(dir.resolve("records"))) {
            kubelet.start();
            CompletableFuture<String[]> submit = CompletableFuture.supplyAsync(() -> spindle(kube, "submit",
                    job.toString(), "--set", "spec.data.uri=" + storage + "datasets/tiny/train",
                    "--set", "spec.data.evalUri=" + storage + "datasets/tiny/eval", "--timeout", "4"));
            String[] submitted;
            try {
                submitted = submit.get(5, TimeUnit.MINUTES);
            } catch (Exception e) {
                throw new AssertionError("spindle submit did not return: " + e + "\n" + logs(kubelet), e);
            }
            assertEquals("0", submitted[0], "spindle submit: " + submitted[1] + submitted[2] + "\n" + logs(kubelet));
            assertTrue(submitted[1].startsWith("spindle: submitted tiny to namespace " + kube.namespace), submitted[1]);
            assertEquals(List.of(), kubelet.problems(), logs(kubelet));

            // The containers end once the job has: the workers leave the cluster, the coordinator writes its end.
            assertTrue(kubelet.awaitEnded(java.time.Duration.ofSeconds(90)), "a container did not exit after the job"
                    + " ended\n" + logs(kubelet));

            // The job succeeded, as the launcher reads it: the Jobs and the coordinator's status.json.
            JobStatus status = jobs.job("tiny").status();
            assertEquals(JobPhase.SUCCEEDED, status.phase(), status.describe() + "\n" + logs(kubelet));
            assertEquals("Succeeded", status.report().phase());
            assertEquals(STEPS, status.report().step(), status.describe().toString());
            assertEquals(STEPS, status.report().totalSteps());
            assertEquals(STEPS, status.report().checkpointStep(), status.describe().toString());
            assertEquals(2, status.report().worldSize());
            assertTrue(Double.isFinite(status.report().loss()), status.describe().toString());
            String[] cli = spindle(kube, "status", "tiny");
            assertEquals("0", cli[0], cli[2]);
            assertTrue(cli[1].startsWith("job tiny in namespace " + kube.namespace + ": Succeeded (finished " + STEPS
                    + " steps)\n"), cli[1]);
            assertTrue(cli[1].contains("step " + STEPS + "/" + STEPS), cli[1]);

            // Every pod of the job ran as its container from the image, and ended 0.
            List<Pod> pods = kube.admin.pods().inNamespace(kube.namespace).list().getItems();
            Set<String> names = new TreeSet<>(pods.stream().map(p -> p.getMetadata().getName()).toList());
            assertEquals(3, names.size(), "one coordinator and two worker pods: " + names);
            assertEquals(names, kubelet.started());
            Map<String, Integer> exits = new TreeMap<>(kubelet.exits());
            assertEquals(names, exits.keySet());
            exits.values().forEach(code -> assertEquals(0, code, exits + "\n" + logs(kubelet)));
            for (String pod : names) {
                assertEquals(imageId.replaceFirst("^sha256:", ""), podman.run("container", "inspect", "--format",
                        "{{.Image}}", PodmanKubelet.container(pod)).replaceFirst("^sha256:", ""), pod);
            }
            assertEquals(names, new TreeSet<>(status.pods().stream().map(PodState::name).toList()));
            status.pods().forEach(p -> assertEquals("Succeeded", p.phase(), p.toString()));
            assertEquals(new TreeSet<>(status.report().ranks().values()), new TreeSet<>(status.pods().stream()
                    .filter(PodState::worker).map(PodState::name).toList()), "ranks name the worker pods");

            // The final step's checkpoint is committed in storage and verifies.
            String[] verify = SpindleCliRun.run("checkpoints", "verify", storage + "checkpoints/tiny");
            assertEquals("0", verify[0], verify[1] + verify[2]);
            assertTrue(verify[1].contains("step " + STEPS + ": ok"), verify[1]);
        } finally {
            try {
                kubelet.close();
                podman.removeAll(kubelet.containers(), imageId);
            } finally {
                kube.close();
            }
        }
    }

    /** The job: the repo's tiny GPT over two workers, checkpoints in {@code storage}, the image pinned. */
    private Path job(String storage, String pinned) throws IOException {
        TestJobs.textDataset(dir);
        FileSystem fs = FileSystem.get(URI.create(storage), Storage.configuration());
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(dir.resolve("data").toUri()),
                new org.apache.hadoop.fs.Path(URI.create(storage + "datasets/tiny")));
        Path job = TestJobs.tinyGptJob(dir, "");
        String yaml = Files.readString(job).replace("steps: 16", "steps: " + STEPS).replace("everySteps: 4",
                "everySteps: 6");
        Files.writeString(job, yaml + "    uri: " + storage + "checkpoints/tiny\n  parallelism:\n    data: 2\n"
                + "  kubernetes:\n    image: " + pinned + "\n    workers: {gpus: 1, cpu: \"1\", memory: 2Gi}\n",
                StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        return job;
    }

    /** What the test's kubelet adds to every pod in place of the workload-identity webhook: Azurite and its key. */
    private static Map<String, String> storageEnv() {
        Map<String, String> env = new TreeMap<>();
        for (String name : List.of("SPINDLE_AZURE_ENDPOINT", "SPINDLE_AZURE_HTTPS", "SPINDLE_AZURE_STORAGE_KEY")) {
            String value = System.getenv(name);
            if (value == null) {
                fail(name + " is not set: run this test through failsafe (launcher/pom.xml sets Azurite's settings)");
            }
            env.put(name, value);
        }
        return env;
    }

    private static void azurite() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", 10000), 2000);
        } catch (IOException e) {
            fail("Azurite is not listening on 127.0.0.1:10000 (" + e.getMessage() + "): run the tests through"
                    + " .ci/run, which installs and starts it");
        }
    }

    /** {@code spindle ARGS --kubeconfig K -n NS} in this JVM: exit code, out, err. */
    private static String[] spindle(LocalKube kube, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--kubeconfig", LocalKube.kubeconfig().toString(), "-n", kube.namespace));
        return SpindleCliRun.run(all.toArray(String[]::new));
    }

    private static String logs(PodmanKubelet kubelet) {
        StringBuilder out = new StringBuilder(String.join("\n", kubelet.problems()));
        for (String pod : new TreeSet<>(kubelet.started())) {
            try {
                out.append("\n--- ").append(pod).append('\n').append(kubelet.log(pod));
            } catch (IOException e) {
                out.append("\n--- ").append(pod).append(": ").append(e);
            }
        }
        return out.toString();
    }

    /** The CLI in this JVM. */
    private static final class SpindleCliRun {
        static String[] run(String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit = SpindleCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
            return new String[] {Integer.toString(exit), out.toString(), err.toString()};
        }
    }
}

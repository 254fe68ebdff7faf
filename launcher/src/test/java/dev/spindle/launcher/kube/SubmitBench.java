package dev.spindle.launcher.kube;

import dev.spindle.launcher.kube.render.JobNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The submit benchmark (bench/run-submit-bench.sh; not a test): on the local kube-apiserver, how long
 * {@code KubeJobs.submit} takes until every object exists, how long until the Job controller made the pods,
 * and until a follower (as {@code spindle submit} follows) hears that the gang formed, and how many API
 * requests one submit sends (counted by the client's request interceptor). There is no scheduler, kubelet or
 * coordinator: this program binds the pods, sets them Running and writes the coordinator's status.json
 * (Forming, then Running with generation 1) the moment it sees them, so "gang formed" measures the launcher,
 * the API server, the Job controller and the watch path, not image pulls, JVM starts or Pekko.
 *
 * <pre>{@code java -cp ... dev.spindle.launcher.kube.SubmitBench --runs 5 --workers 2 --out results.md}</pre>
 */
public final class SubmitBench {

    private record Result(double submitMs, long requests, double podsMs, double formedMs, double resubmitMs,
                          long resubmitRequests, long statusRequests) {}

    private SubmitBench() {}

    public static void main(String[] args) throws Exception {
        int runs = 5;
        int workers = 2;
        Path out = null;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[i + 1]);
                case "--workers" -> workers = Integer.parseInt(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; expected --runs N, --workers W, --out FILE");
            }
        }
        Path records = Files.createTempDirectory("spindle-submit-bench");
        List<Result> results = new ArrayList<>();
        try (LocalKube kube = LocalKube.start("spindle-bench"); KubeJobs jobs = kube.jobs(records)) {
            for (int run = 0; run <= runs; run++) {  // run 0 warms up the JVM and the client
                Result r = once(kube, jobs, records, "bench-" + run, workers);
                if (run > 0) {
                    results.add(r);
                }
                System.err.printf("run %d%s: submit %.1f ms (%d requests), pods %.1f ms, gang formed %.1f ms%n", run,
                        run == 0 ? " (warm-up)" : "", r.submitMs, r.requests, r.podsMs, r.formedMs);
            }
        }
        String table = table(results, workers);
        System.out.print(table);
        if (out != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, table, StandardCharsets.UTF_8);
        }
    }

    private static Result once(LocalKube kube, KubeJobs jobs, Path records, String name, int workers) throws Exception {
        Kubelet kubelet = new Kubelet(kube.admin, kube.namespace);
        long r0 = jobs.requests();
        long t0 = System.nanoTime();
        SubmittedJob job = jobs.submit(KubeTestJobs.job(name, workers), SubmitOptions.DEFAULT);
        long t1 = System.nanoTime();
        long requests = jobs.requests() - r0;

        CompletableFuture<Long> formed = new CompletableFuture<>();
        CompletableFuture<JobStatus> followed = CompletableFuture.supplyAsync(() -> job.await(Duration.ofMinutes(2), e -> {
            if (e instanceof JobEvent.ClusterFormed) {
                formed.complete(System.nanoTime());
            }
        }));
        List<Pod> pods = kubelet.awaitPods(name, workers + 1, p -> true, Duration.ofSeconds(60));
        long tPods = System.nanoTime();
        List<Pod> ranks = new ArrayList<>();
        for (Pod p : pods) {
            kubelet.schedule(p);
            kubelet.running(p);
            if ("worker".equals(p.getMetadata().getLabels().get(JobNames.LABEL_COMPONENT))) {
                ranks.add(p);
            }
        }
        try (KubernetesClient coordinator = kube.as("system:serviceaccount:" + kube.namespace + ":" + name + "-coordinator")) {
            String status = JobNames.status(name);
            Kubelet.report(coordinator, kube.namespace, status, "{\"phase\": \"Forming\"}");
            Kubelet.report(coordinator, kube.namespace, status, report("Running", workers, ranks));
            long tFormed = formed.get(60, TimeUnit.SECONDS);

            long t2;
            long t3;
            long resubmitRequests;
            long statusRequests;
            // A connection of its own, so that the follower's reads are not counted with the re-submit's.
            try (KubeJobs again = kube.jobs(records)) {
                long r2 = again.requests();
                t2 = System.nanoTime();
                again.submit(KubeTestJobs.job(name, workers), SubmitOptions.DEFAULT);
                t3 = System.nanoTime();
                resubmitRequests = again.requests() - r2;
                long r3 = again.requests();
                again.status(name);
                statusRequests = again.requests() - r3;
            }

            Kubelet.report(coordinator, kube.namespace, status, report("Succeeded", workers, ranks));
            followed.get(60, TimeUnit.SECONDS);
            return new Result(ms(t1 - t0), requests, ms(tPods - t0), ms(tFormed - t0), ms(t3 - t2), resubmitRequests,
                    statusRequests);
        }
    }

    private static String report(String phase, int workers, List<Pod> ranks) {
        StringBuilder r = new StringBuilder();
        for (int i = 0; i < ranks.size(); i++) {
            r.append(i == 0 ? "" : ", ").append('"').append(i).append("\": \"").append(ranks.get(i).getMetadata().getName())
                    .append('"');
        }
        return "{\"phase\": \"" + phase + "\", \"generation\": 1, \"worldSize\": " + workers + ", \"desiredWorkers\": "
                + workers + ", \"ranks\": {" + r + "}, \"updated\": \"" + Instant.now() + "\"}";
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static double median(List<Result> results, java.util.function.ToDoubleFunction<Result> f) {
        double[] v = results.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String table(List<Result> results, int workers) throws IOException {
        StringBuilder t = new StringBuilder();
        t.append("| run | submit → all objects (ms) | API requests | submit → pods made (ms) | submit → gang formed seen (ms)"
                + " | re-submit (ms) | re-submit requests | status requests |\n");
        t.append("|---|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            t.append(String.format("| %d | %.1f | %d | %.1f | %.1f | %.1f | %d | %d |%n", i + 1, r.submitMs, r.requests,
                    r.podsMs, r.formedMs, r.resubmitMs, r.resubmitRequests, r.statusRequests));
        }
        t.append(String.format("| median | %.1f | %.0f | %.1f | %.1f | %.1f | %.0f | %.0f |%n",
                median(results, Result::submitMs), median(results, r -> r.requests), median(results, Result::podsMs),
                median(results, Result::formedMs), median(results, Result::resubmitMs),
                median(results, r -> r.resubmitRequests), median(results, r -> r.statusRequests)));
        t.append("\n").append(workers).append(" workers + 1 coordinator per job; ").append(results.size())
                .append(" runs after one warm-up run; ").append(Arrays.asList(System.getProperty("java.version"),
                        Runtime.getRuntime().availableProcessors() + " CPUs")).append('\n');
        return t.toString();
    }
}

/**
 * Spindle jobs on Kubernetes: {@link dev.spindle.launcher.kube.KubeJobs} submits a job (checks first, then
 * server-side apply of what {@link dev.spindle.launcher.kube.render.JobResources} renders, every object owned
 * by the job's root ConfigMap), reads its status from its Kubernetes Jobs, pods and the coordinator's
 * {@code status.json}, follows it, prints its logs, cancels, resumes and diffs it.
 * {@link dev.spindle.launcher.kube.KubeTarget} says which cluster and namespace; failures of the cluster
 * (unreachable, 401, 403, a missing namespace or job) are {@link dev.spindle.launcher.kube.KubeException}s
 * with one clear line each.
 *
 * <pre>{@code
 * try (KubeJobs jobs = KubeJobs.connect(KubeTarget.DEFAULT.withNamespace("ml-training"))) {
 *     SubmittedJob job = jobs.submit(Spindle.load(Path.of("job.yaml"), List.of()), SubmitOptions.DEFAULT);
 *     JobStatus end = job.await(Duration.ofHours(4), event -> System.out.println(event.line()));
 * }
 * }</pre>
 */
package dev.spindle.launcher.kube;

package dev.spindle.launcher.kube;

import dev.spindle.launcher.JobException;
import dev.spindle.launcher.kube.render.ClusterSecret;
import dev.spindle.launcher.kube.render.JobNames;
import dev.spindle.launcher.kube.render.JobResources;
import dev.spindle.launcher.kube.render.RenderOptions;
import dev.spindle.spec.JobSpec;
import dev.spindle.spec.SpecReader;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Spindle jobs on one Kubernetes cluster: submit (validate, render, server-side apply), status, list, logs,
 * cancel, resume and diff. One connection; close it when done.
 *
 * <pre>{@code
 * try (KubeJobs jobs = KubeJobs.connect(KubeTarget.DEFAULT.withNamespace("ml-training"))) {
 *     SubmittedJob job = jobs.submit(Spindle.load(Path.of("job.yaml"), List.of()), SubmitOptions.DEFAULT);
 *     job.warnings().forEach(System.err::println);
 *     JobStatus end = job.await(Duration.ofHours(4), event -> System.out.println(event.line()));
 * }
 * }</pre>
 *
 * <p>Every object a job has is owned (ownerReferences) by its root ConfigMap {@code J-job}, which holds the
 * spec: deleting the root deletes the job, and the spec comes back from it for diff and resume.
 */
public final class KubeJobs implements AutoCloseable {

    /** The label every object of a job carries, with the job's name. */
    static final String JOB_LABEL = JobNames.LABEL_JOB;
    /** How often a wait for deletion looks again. */
    private static final Duration POLL = Duration.ofMillis(250);

    private final KubernetesClient client;
    private final Optional<String> namespaceOverride;
    private final Applier applier;
    private final JobRecords records;
    private final AtomicLong requests;

    KubeJobs(KubernetesClient client, Optional<String> namespaceOverride, Applier applier, JobRecords records,
            AtomicLong requests) {
        this.client = client;
        this.namespaceOverride = namespaceOverride;
        this.applier = applier;
        this.records = records;
        this.requests = requests;
    }

    /**
     * Connects to the cluster {@code target} names (nothing is sent until the first call).
     *
     * @throws KubeException if the kubeconfig or its context cannot be used
     */
    public static KubeJobs connect(KubeTarget target) {
        return connect(target, new JobRecords(JobRecords.defaultDirectory()));
    }

    /** {@link #connect(KubeTarget)} keeping the records of submitted jobs in {@code records}. */
    static KubeJobs connect(KubeTarget target, JobRecords records) {
        AtomicLong requests = new AtomicLong();
        KubernetesClient client = target.client(requests);
        return new KubeJobs(client, target.namespace(), Applier.serverSide(), records, requests);
    }

    /** The namespace commands that name a job use: {@code --namespace}, else the kubeconfig context's. */
    public String namespace() {
        return namespaceOverride.orElseGet(() -> client.getNamespace() == null ? "default" : client.getNamespace());
    }

    /** The API server's URL, as messages name it. */
    public String server() {
        return String.valueOf(client.getMasterUrl());
    }

    /** HTTP requests this connection has sent to the API server so far (watches count once, when opened). */
    public long requests() {
        return requests.get();
    }

    /**
     * Checks the job, then applies its objects: the root ConfigMap first (server-side apply, field manager
     * {@value Applier#FIELD_MANAGER}, forced), then everything else owned by it; the status ConfigMap is
     * created as {@code {}} only if absent, because the coordinator writes it. Submitting an active job again
     * changes nothing (its cluster secret is reused); a job that already ended is refused (resume or cancel it).
     *
     * @throws JobException if the spec cannot run on Kubernetes (nothing was applied)
     * @throws KubeException if the cluster could not be used
     */
    public SubmittedJob submit(JobSpec job, SubmitOptions options) {
        String ns = namespaceOverride.or(() -> Optional.ofNullable(job.spec().kubernetes())
                .map(k -> k.namespace())).orElseGet(this::namespace);
        return submit(job, options, ns);
    }

    private SubmittedJob submit(JobSpec job, SubmitOptions options, String ns) {
        SubmitChecks.checkSpec(job);
        String name = job.metadata().name();
        return call("submitting job " + name + " to namespace " + ns, () -> {
            SubmitChecks.checkNamespace(client, ns);
            List<String> warnings = new ArrayList<>();
            SubmitChecks.gpuWarning(client, job.spec().kubernetes().workers().gpus()).ifPresent(warnings::add);
            ConfigMap existing = root(ns, name);
            if (existing != null) {
                refuseEnded(ns, name, existing, "submit");
            }
            ClusterSecret secret = existing == null ? ClusterSecret.generate() : reuseSecret(ns, name);
            RenderOptions render = RenderOptions.defaults(ns).withPolicyV1(policyV1()).withSecret(secret)
                    .withResume(options.resume() || existing != null && resumed(ns, name));
            HasMetadata root = applier.apply(client, ns, JobResources.render(job, render).get(0));
            List<HasMetadata> owned = JobResources.render(job, render.withOwnerUid(root.getMetadata().getUid()));
            for (HasMetadata resource : owned.subList(1, owned.size())) {
                if (resource instanceof ConfigMap status && JobNames.status(name).equals(status.getMetadata().getName())) {
                    createIfAbsent(ns, status);
                } else {
                    applier.apply(client, ns, resource);
                }
            }
            records.save(server(), ns, job);
            return new SubmittedJob(this, name, ns, warnings, false);
        });
    }

    /** A handle on a job already submitted to the namespace of this connection. */
    public SubmittedJob job(String name) {
        return new SubmittedJob(this, name, namespace(), List.of(), false);
    }

    /**
     * The job's phase, pods and coordinator report.
     *
     * @throws KubeException if there is no such job
     */
    public JobStatus status(String name) {
        return status(namespace(), name);
    }

    JobStatus status(String ns, String name) {
        return call("reading the status of job " + name, () -> {
            ConfigMap root = existingRoot(ns, name);
            return JobStatus.read(client, ns, name, root);
        });
    }

    /** Every Spindle job in the namespace (root ConfigMaps labelled {@code spindle.dev/job}), by name. */
    public List<JobStatus> list() {
        String ns = namespace();
        return call("listing jobs in namespace " + ns, () -> {
            List<JobStatus> all = new ArrayList<>();
            for (ConfigMap cm : client.configMaps().inNamespace(ns).withLabel(JOB_LABEL).list().getItems()) {
                String job = cm.getMetadata().getLabels().get(JOB_LABEL);
                if (JobNames.root(job).equals(cm.getMetadata().getName())) {
                    all.add(JobStatus.read(client, ns, job, cm));
                }
            }
            all.sort(Comparator.comparing(JobStatus::name));
            return all;
        });
    }

    /**
     * Prints a pod's log: the worker of {@code rank} (from the coordinator's report), else the coordinator.
     *
     * @param follow keep printing until the container ends (or the caller is interrupted)
     */
    public void logs(String name, OptionalInt rank, boolean follow, OutputStream out) {
        String ns = namespace();
        JobLogs logs = JobLogs.of(status(ns, name), rank);
        call("reading the log of pod " + logs.pod(), () -> {
            JobLogs.copy(client.pods().inNamespace(ns).withName(logs.pod()).inContainer(logs.container()), follow, out);
            return null;
        });
    }

    /**
     * Deletes the job: its root ConfigMap, with foreground propagation, so that the garbage collector deletes
     * everything it owns (pods included) before the root goes. Checkpoints live in storage and are kept.
     *
     * @return the cancelled job's spec (its checkpoints are at {@code spec.checkpoint.uri})
     * @throws KubeException if there is no such job
     */
    public JobSpec cancel(String name) {
        return cancel(namespace(), name);
    }

    JobSpec cancel(String ns, String name) {
        return call("cancelling job " + name, () -> {
            ConfigMap root = existingRoot(ns, name);
            deleteRoot(ns, name);
            return spec(root);
        });
    }

    /** Waits until the job's root ConfigMap (and so everything it owned) is gone; false on time-out. */
    public boolean awaitDeleted(String name, Duration timeout) {
        return awaitDeleted(namespace(), name, timeout);
    }

    boolean awaitDeleted(String ns, String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (call("waiting for job " + name + " to be deleted", () -> root(ns, name)) != null) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * Re-creates a failed, succeeded or cancelled job so that its coordinator restores the newest committed
     * checkpoint. The spec comes from the live root ConfigMap if it is still there (its objects are deleted
     * first), else from what this machine submitted, else from {@code given}.
     *
     * @param given the job spec to use when neither the cluster nor this machine has it
     * @param deleteTimeout how long to wait for the old objects to go
     * @throws KubeException if the job still runs, or its spec cannot be found
     */
    public SubmittedJob resume(String name, Optional<JobSpec> given, Duration deleteTimeout) {
        String ns = namespace();
        JobSpec job = call("resuming job " + name, () -> {
            ConfigMap root = root(ns, name);
            if (root == null) {
                return given.or(() -> records.find(server(), ns, name)).orElseThrow(() -> new KubeException("job " + name
                        + " is not in namespace " + ns + " and this machine has no record of it ("
                        + records.file(server(), ns, name) + "); resume it with --job JOB.yaml"));
            }
            if (root.getMetadata().getDeletionTimestamp() == null) {
                refuseActive(ns, name, root);
                deleteRoot(ns, name);
            }
            return spec(root);
        });
        if (!awaitDeleted(ns, name, deleteTimeout)) {
            throw new KubeException("the old objects of job " + name + " are still being deleted after "
                    + deleteTimeout.toSeconds() + " s; run spindle resume " + name + " again when spindle status says"
                    + " it is gone");
        }
        return submit(job, SubmitOptions.DEFAULT.withResume(true), ns);
    }

    /**
     * What differs between the job's templates, rendered from its live spec, and its live objects (empty when
     * nothing drifted).
     *
     * @throws KubeException if there is no such job
     */
    public List<Drift> diff(String name) {
        String ns = namespace();
        return call("comparing job " + name + " with its templates", () -> {
            ConfigMap root = existingRoot(ns, name);
            RenderOptions render = RenderOptions.defaults(ns).withPolicyV1(policyV1())
                    .withOwnerUid(root.getMetadata().getUid()).withResume(resumed(ns, name));
            return Drift.between(JobResources.render(spec(root), render),
                    want -> client.resource(want).inNamespace(ns).get());
        });
    }

    @Override
    public void close() {
        client.close();
    }

    KubernetesClient client() {
        return client;
    }

    /** Runs {@code action}, turning fabric8's exceptions into one clear line. */
    <T> T call(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (KubernetesClientException e) {
            throw KubeErrors.translate(e, what, server());
        }
    }

    private ConfigMap root(String ns, String name) {
        return client.configMaps().inNamespace(ns).withName(JobNames.root(name)).get();
    }

    private ConfigMap existingRoot(String ns, String name) {
        ConfigMap root = root(ns, name);
        if (root == null) {
            throw missing(ns, name);
        }
        return root;
    }

    /** Foreground: the root stays (deletionTimestamp set) until the garbage collector deleted all it owns. */
    private void deleteRoot(String ns, String name) {
        client.configMaps().inNamespace(ns).withName(JobNames.root(name))
                .withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
    }

    /**
     * Whether the live coordinator was started with {@code --resume}: a re-submit or diff renders it the same,
     * since a Job's pod template cannot change.
     */
    private boolean resumed(String ns, String name) {
        Job coordinator = client.batch().v1().jobs().inNamespace(ns).withName(JobNames.coordinator(name)).get();
        return coordinator != null && coordinator.getSpec().getTemplate().getSpec().getContainers().stream()
                .anyMatch(c -> c.getArgs() != null && c.getArgs().contains("--resume"));
    }

    /** Whether the server serves PodDisruptionBudgets as policy/v1 (1.21+); v1.20 has only policy/v1beta1. */
    private boolean policyV1() {
        try {
            APIResourceList resources = client.getApiResources("policy/v1");
            return resources != null && resources.getResources().stream()
                    .anyMatch(r -> "poddisruptionbudgets".equals(r.getName()));
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** The secret of a job that exists: a re-submit must not give running pods a new one. */
    private ClusterSecret reuseSecret(String ns, String name) {
        Secret live = client.secrets().inNamespace(ns).withName(JobNames.secret(name)).get();
        Map<String, String> data = live == null || live.getData() == null ? Map.of() : live.getData();
        if (!data.containsKey(JobNames.KEY_SECRET) || !data.containsKey(JobNames.KEY_TLS_STORE)) {
            return ClusterSecret.generate();
        }
        Base64.Decoder base64 = Base64.getDecoder();
        return new ClusterSecret(base64.decode(data.get(JobNames.KEY_SECRET)),
                base64.decode(data.get(JobNames.KEY_TLS_STORE)));
    }

    private void createIfAbsent(String ns, ConfigMap status) {
        if (client.configMaps().inNamespace(ns).withName(status.getMetadata().getName()).get() == null) {
            try {
                client.configMaps().inNamespace(ns).resource(status).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {  // created meanwhile: the coordinator's is the one to keep
                    throw e;
                }
            }
        }
    }

    /** An ended job's Kubernetes Jobs never run again: a submit would change nothing and say nothing. */
    private void refuseEnded(String ns, String name, ConfigMap root, String verb) {
        if (root.getMetadata().getDeletionTimestamp() != null) {
            throw new KubeException("job " + name + " is being deleted; " + verb + " it again when spindle status "
                    + name + " says it is gone");
        }
        JobStatus status = JobStatus.read(client, ns, name, root);
        if (!status.phase().active()) {
            throw new KubeException("job " + name + " already ran in namespace " + ns + " (" + status.phase().word()
                    + "); continue it from its last checkpoint with spindle resume " + name
                    + ", or spindle cancel " + name + " first to start over");
        }
    }

    private void refuseActive(String ns, String name, ConfigMap root) {
        JobStatus status = JobStatus.read(client, ns, name, root);
        if (status.phase().active()) {
            throw new KubeException("job " + name + " is still running (" + status.phase().word()
                    + (status.report().step() > 0 ? ", step " + status.report().step() : "") + "); resume is for a"
                    + " failed or cancelled job: spindle cancel " + name + " first, or follow it with spindle status");
        }
    }

    private static JobSpec spec(ConfigMap root) {
        String yaml = root.getData() == null ? null : root.getData().get(JobNames.KEY_JOB);
        if (yaml == null) {
            throw new KubeException("ConfigMap " + root.getMetadata().getName() + " has no " + JobNames.KEY_JOB
                    + "; it was not made by spindle submit");
        }
        return SpecReader.read(yaml, List.of());
    }

    private static KubeException missing(String ns, String name) {
        return new KubeException("no job " + name + " in namespace " + ns + " (no ConfigMap " + JobNames.root(name)
                + "); spindle list shows the jobs there, --namespace picks another namespace");
    }
}

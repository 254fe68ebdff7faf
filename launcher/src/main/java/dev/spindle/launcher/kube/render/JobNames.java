package dev.spindle.launcher.kube.render;

import dev.spindle.spec.JobSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The names, labels and well-known keys of a job's Kubernetes objects, shared by the renderer, the
 * submitter and the pods. Every object of job {@code J} is named {@code J-<base name>}, as the Kustomize
 * {@code namePrefix: J-} of {@code manifests/jobs/*} names it.
 *
 * <pre>{@code
 * String root = JobNames.root("gpt-train");            // "gpt-train-job", the ConfigMap everything hangs off
 * client.configMaps().withName(JobNames.status(name)); // "gpt-train-status"
 * client.pods().withLabels(JobNames.selector(name));   // every pod of the job
 * }</pre>
 */
public final class JobNames {

    /** Base names in {@code manifests/base}. */
    public static final String BASE_ROOT = "job";
    public static final String BASE_STATUS = "status";
    public static final String BASE_SECRET = "cluster";
    public static final String BASE_COORDINATOR = "coordinator";
    public static final String BASE_WORKER = "worker";

    public static final String LABEL_NAME = "app.kubernetes.io/name";
    public static final String LABEL_INSTANCE = "app.kubernetes.io/instance";
    public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String LABEL_COMPONENT = "app.kubernetes.io/component";
    public static final String LABEL_JOB = "spindle.dev/job";
    public static final String LABEL_JOB_TYPE = "spindle.dev/job-type";
    public static final String COMPONENT_COORDINATOR = "coordinator";
    public static final String COMPONENT_WORKER = "worker";
    public static final String JOB_TYPE_TRAIN = "train";
    public static final String JOB_TYPE_FINE_TUNE = "fine-tune";

    /** On the root: {@code SpecWriter.digest} of the job, and the overlay that placed it. */
    public static final String ANNOTATION_SPEC_DIGEST = "spindle.dev/spec-digest";
    public static final String ANNOTATION_OVERLAY = "spindle.dev/overlay";
    /** On the Secret rendered without data. */
    public static final String ANNOTATION_SECRET = "spindle.dev/secret";

    /** Azure Workload Identity: service-account annotation and pod label. */
    public static final String ANNOTATION_WORKLOAD_CLIENT_ID = "azure.workload.identity/client-id";
    public static final String LABEL_WORKLOAD_IDENTITY = "azure.workload.identity/use";

    /** Keys of the root ConfigMap, the status ConfigMap and the Secret. */
    public static final String KEY_JOB = "job.yaml";
    public static final String KEY_STATUS = "status.json";
    public static final String KEY_SECRET = "job.secret";
    public static final String KEY_TLS_STORE = "job-tls.p12";

    public static final int PEKKO_PORT = 25520;
    public static final int DATA_PORT = 29500;

    /**
     * The longest job name that runs on Kubernetes: {@code J-coordinator} names a Service, a DNS-1035
     * label of at most 63 characters.
     */
    public static final int MAX_JOB_NAME = 63 - "-coordinator".length();

    private JobNames() {
    }

    /** {@code J-<base>}: what {@code namePrefix: J-} makes of a base name. */
    public static String prefixed(String job, String baseName) {
        return job + "-" + baseName;
    }

    /** The root ConfigMap (the job spec), owner of every other object. */
    public static String root(String job) {
        return prefixed(job, BASE_ROOT);
    }

    /** The status ConfigMap the coordinator writes. */
    public static String status(String job) {
        return prefixed(job, BASE_STATUS);
    }

    /** The Secret with the job secret and TLS store. */
    public static String secret(String job) {
        return prefixed(job, BASE_SECRET);
    }

    /** The coordinator's Job, ServiceAccount, Role, RoleBinding and headless Service. */
    public static String coordinator(String job) {
        return prefixed(job, BASE_COORDINATOR);
    }

    /** The workers' Job, ServiceAccount and PodDisruptionBudget. */
    public static String worker(String job) {
        return prefixed(job, BASE_WORKER);
    }

    /** The NetworkPolicy. */
    public static String networkPolicy(String job) {
        return prefixed(job, BASE_ROOT);
    }

    /** The label that selects every object and pod of the job. */
    public static Map<String, String> selector(String job) {
        return Map.of(LABEL_JOB, job);
    }

    /** {@code train}, or {@code fine-tune} when the job has a PEFT section. */
    public static String jobType(JobSpec job) {
        return job.spec().peft() == null ? JOB_TYPE_TRAIN : JOB_TYPE_FINE_TUNE;
    }

    /**
     * The job's own labels, which a job's kustomization lists as {@code commonLabels}: the job spec's
     * {@code metadata.labels}, then instance, job and job type (the base adds name and managed-by).
     */
    public static Map<String, String> labels(JobSpec job) {
        String name = job.metadata().name();
        Map<String, String> labels = new LinkedHashMap<>(job.metadata().labels());
        labels.put(LABEL_INSTANCE, name);
        labels.put(LABEL_JOB, name);
        labels.put(LABEL_JOB_TYPE, jobType(job));
        return labels;
    }
}

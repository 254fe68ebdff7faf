package dev.spindle.spec;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * How the job runs on Kubernetes ({@code spindle render}, {@code spindle submit}): the trainer image, the
 * namespace, the AKS overlay and what each pod asks for. Optional: a job without it still trains locally,
 * and only rendering asks for it ({@link #forDeployment}).
 *
 * <pre>{@code
 * spec:
 *   kubernetes:
 *     image: myacr.azurecr.io/spindle-trainer@sha256:<64 hex digits>
 *     namespace: ml-training
 *     overlay: aks-standard            # or aks-automatic
 *     workers: {gpus: 1, cpu: "8", memory: 48Gi}
 *     coordinator: {cpu: "1", memory: 2Gi}
 *     priorityClassName: training
 *     nodeSelector: {agentpool: gpu}
 *     tolerations: [{key: team, operator: Equal, value: ml, effect: NoSchedule}]
 *     workloadIdentity: {clientId: 00000000-0000-0000-0000-000000000000}
 * }</pre>
 *
 * @param image the trainer image pinned by digest ({@code repository@sha256:<64 hex>}); {@code null} until
 *     the job is rendered, which then reports it missing
 * @param namespace the namespace, or {@code null} for the one the command line or kubeconfig gives
 * @param overlay {@link #OVERLAY_AKS_STANDARD} (default) or {@link #OVERLAY_AKS_AUTOMATIC}
 * @param workers what each worker pod asks for
 * @param coordinator what the coordinator pod asks for
 * @param priorityClassName the pods' priority class, or {@code null}
 * @param nodeSelector node labels the worker pods require (besides the overlay's GPU placement)
 * @param tolerations taints the worker pods tolerate (besides the overlay's GPU taints)
 * @param workloadIdentity the Azure workload identity for storage access, or {@code null} for none
 */
public record KubernetesSpec(String image, String namespace, String overlay, Workers workers,
                             Coordinator coordinator, String priorityClassName, Map<String, String> nodeSelector,
                             List<Toleration> tolerations, WorkloadIdentity workloadIdentity) {

    /** AKS with GPU node pools the cluster owner made (tainted {@code sku=gpu:NoSchedule}). */
    public static final String OVERLAY_AKS_STANDARD = "aks-standard";
    /** AKS Automatic: GPU nodes made on demand by node auto-provisioning (Karpenter). */
    public static final String OVERLAY_AKS_AUTOMATIC = "aks-automatic";
    public static final String DEFAULT_OVERLAY = OVERLAY_AKS_STANDARD;
    public static final List<String> OVERLAYS = List.of(OVERLAY_AKS_STANDARD, OVERLAY_AKS_AUTOMATIC);

    static final String PATH = "spec.kubernetes";

    private static final Pattern DIGEST_PINNED = Pattern.compile("[^\\s@]+@sha256:[0-9a-f]{64}");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** Kubernetes' quantity syntax, unsigned: digits, an optional fraction, a binary/decimal suffix or exponent. */
    private static final Pattern QUANTITY =
            Pattern.compile("([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)?");
    private static final Pattern UUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final List<String> OPERATORS = List.of("Equal", "Exists");
    private static final List<String> EFFECTS = List.of("NoSchedule", "PreferNoSchedule", "NoExecute");

    public KubernetesSpec {
        overlay = overlay == null ? DEFAULT_OVERLAY : overlay;
        workers = workers == null ? Workers.DEFAULT : workers;
        coordinator = coordinator == null ? Coordinator.DEFAULT : coordinator;
        nodeSelector = nodeSelector == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(nodeSelector));
        tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
        Checks c = new Checks(PATH);
        if (image != null && !DIGEST_PINNED.matcher(image).matches()) {
            c.fail("image", image, "an image pinned by digest, repository@sha256:<64 lower-case hex digits>"
                    + " (a tag can move; the digest is what ran)");
        }
        if (namespace != null && !DNS_LABEL.matcher(namespace).matches()) {
            c.fail("namespace", namespace, "a namespace name: a DNS-1123 label (lower-case letters, digits and '-',"
                    + " starting and ending with a letter or digit, at most 63 characters)");
        }
        c.oneOf("overlay", overlay, OVERLAYS);
        workerCheck(c, workers);
        quantity(c, "coordinator.cpu", coordinator.cpu());
        quantity(c, "coordinator.memory", coordinator.memory());
        if (priorityClassName != null && !DNS_SUBDOMAIN.matcher(priorityClassName).matches()) {
            c.fail("priorityClassName", priorityClassName, "a PriorityClass name (a DNS-1123 subdomain)");
        }
        nodeSelector.forEach((key, value) -> Metadata.checkLabel(c, "nodeSelector", key, value));
        for (int i = 0; i < tolerations.size(); i++) {
            tolerationCheck(c, "tolerations[" + i + "]", tolerations.get(i));
        }
        if (workloadIdentity != null) {
            c.matches("workloadIdentity.clientId", workloadIdentity.clientId(), UUID,
                    "the client id of the managed identity or app registration (a GUID such as"
                            + " 00000000-0000-0000-0000-000000000000)");
        }
        c.throwIfAny();
    }

    /**
     * The section of a job that is about to be rendered for Kubernetes, which must name its image.
     *
     * @throws SpecException naming {@code spec.kubernetes} or {@code spec.kubernetes.image} when absent
     */
    public static KubernetesSpec forDeployment(Spec spec) {
        KubernetesSpec k = spec.kubernetes();
        if (k == null) {
            throw new SpecException(List.of(new Problem(PATH, Problem.MISSING, "a kubernetes section with at least"
                    + " image: <registry>/<repository>@sha256:<digest> to run the job on Kubernetes")));
        }
        if (k.image() == null) {
            throw new SpecException(List.of(new Problem(PATH + ".image", Problem.MISSING, "the trainer image pinned"
                    + " by digest, e.g. myacr.azurecr.io/spindle-trainer@sha256:<64 hex digits> (set it in the file"
                    + " or with --set " + PATH + ".image=...)")));
        }
        return k;
    }

    /** The same section with another namespace. */
    public KubernetesSpec withNamespace(String newNamespace) {
        return new KubernetesSpec(image, newNamespace, overlay, workers, coordinator, priorityClassName, nodeSelector,
                tolerations, workloadIdentity);
    }

    /** The same section with another overlay. */
    public KubernetesSpec withOverlay(String newOverlay) {
        return new KubernetesSpec(image, namespace, newOverlay, workers, coordinator, priorityClassName, nodeSelector,
                tolerations, workloadIdentity);
    }

    private static void workerCheck(Checks c, Workers workers) {
        c.atLeast("workers.gpus", workers.gpus(), 0);
        quantity(c, "workers.cpu", workers.cpu());
        quantity(c, "workers.memory", workers.memory());
    }

    private static void quantity(Checks c, String field, String value) {
        String expected = "a Kubernetes quantity > 0 such as \"4\", \"500m\", \"16Gi\" or \"512M\"";
        if (value == null) {
            c.missing(field, expected);
        } else if (!QUANTITY.matcher(value).matches() || !value.matches(".*[1-9].*")) {
            c.fail(field, value, expected);
        }
    }

    private static void tolerationCheck(Checks c, String at, Toleration t) {
        c.oneOf(at + ".operator", t.operator(), OPERATORS);
        if ("Exists".equals(t.operator()) && t.value() != null) {
            c.fail(at + ".value", t.value(), "no value with operator Exists (it matches any value)");
        }
        if ("Equal".equals(t.operator()) && (t.key() == null || t.key().isEmpty())) {
            c.missing(at + ".key", "the taint's key (only operator Exists may leave it out, to tolerate every taint)");
        }
        if (t.effect() != null) {
            c.oneOf(at + ".effect", t.effect(), EFFECTS);
        }
    }

    /**
     * What each worker pod asks for: GPUs ({@code nvidia.com/gpu} limit in the AKS overlays), CPU and memory.
     *
     * @param gpus GPUs per worker, {@code >= 0}
     * @param cpu a Kubernetes quantity, e.g. {@code "8"} or {@code "7500m"}
     * @param memory a Kubernetes quantity, e.g. {@code 48Gi}
     */
    public record Workers(int gpus, String cpu, String memory) {
        public static final int DEFAULT_GPUS = 1;
        public static final String DEFAULT_CPU = "4";
        public static final String DEFAULT_MEMORY = "16Gi";
        public static final Workers DEFAULT = new Workers(DEFAULT_GPUS, DEFAULT_CPU, DEFAULT_MEMORY);
    }

    /**
     * What the coordinator pod (CPU only) asks for.
     *
     * @param cpu a Kubernetes quantity
     * @param memory a Kubernetes quantity
     */
    public record Coordinator(String cpu, String memory) {
        public static final String DEFAULT_CPU = "1";
        public static final String DEFAULT_MEMORY = "2Gi";
        public static final Coordinator DEFAULT = new Coordinator(DEFAULT_CPU, DEFAULT_MEMORY);
    }

    /**
     * A taint the worker pods tolerate, as in a pod's {@code tolerations}.
     *
     * @param key the taint key; {@code null} with operator {@code Exists} tolerates every taint
     * @param operator {@code Equal} (default) or {@code Exists}
     * @param value the taint value for {@code Equal}
     * @param effect {@code NoSchedule}, {@code PreferNoSchedule}, {@code NoExecute}, or {@code null} for all
     */
    public record Toleration(String key, String operator, String value, String effect) {
        public static final String DEFAULT_OPERATOR = "Equal";

        public Toleration {
            operator = operator == null ? DEFAULT_OPERATOR : operator;
        }
    }

    /**
     * Azure Workload Identity: the pods get tokens for this identity (service-account annotation
     * {@code azure.workload.identity/client-id}, pod label {@code azure.workload.identity/use: "true"}).
     *
     * @param clientId the managed identity's (or app registration's) client id, a GUID
     */
    public record WorkloadIdentity(String clientId) {
    }
}

package dev.spindle.launcher.kube.pod;

import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scheduler and a kubelet for the local API server, for real: every pod of the namespace is bound to a node,
 * given a loopback address of its own ({@code 127.0.0.N}, so that the pods' fixed ports do not clash on the host
 * network), its volumes are made as host folders (ConfigMap and Secret volumes as files of their keys, with the
 * pod's {@code fsGroup} and the volume's {@code defaultMode}; emptyDirs as tmpfs), and its one container is run
 * by podman from the pod spec: the image's own entrypoint with the container's args, {@code $(VAR)} expanded as
 * a kubelet does, the env (values, downward-API {@code fieldRef}s, {@code KUBERNETES_SERVICE_HOST/PORT}), the
 * pod's user, group and read-only root, dropped capabilities, and the headless Services' names in
 * {@code /etc/hosts} (the cluster DNS). The pod's status follows the container: Running with its IP, then
 * Succeeded or Failed with its exit code.
 *
 * <p>{@code mutatingEnv} is added to every container, as a mutating admission webhook would (on AKS the
 * workload-identity webhook injects {@code AZURE_*} env); {@code javaOptions} are appended to the pod's
 * {@code JAVA_TOOL_OPTIONS}.
 */
final class PodmanKubelet implements AutoCloseable {

    static final String NODE = "podman-node";

    private static final Pattern REFERENCE = Pattern.compile("\\$\\$|\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");
    private static final Pattern LABEL = Pattern.compile("metadata\\.labels\\['([^']+)'\\]");

    private final KubernetesClient admin;
    private final String namespace;
    private final Podman podman;
    private final String image;
    private final String imageId;
    private final Path dir;
    private final Map<String, String> mutatingEnv;
    private final String javaOptions;
    private final Map<String, String> ips = new ConcurrentHashMap<>();
    private final Map<String, Process> running = new ConcurrentHashMap<>();
    private final Map<String, Integer> exits = new ConcurrentHashMap<>();
    private final List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();

    /**
     * @param image the image the pods must name (their {@code spec.containers[0].image})
     * @param imageId the pulled image podman runs for it
     */
    PodmanKubelet(KubernetesClient admin, String namespace, Podman podman, String image, String imageId, Path dir,
            Map<String, String> mutatingEnv, String javaOptions) {
        this.admin = admin;
        this.namespace = namespace;
        this.podman = podman;
        this.image = image;
        this.imageId = imageId;
        this.dir = dir;
        this.mutatingEnv = mutatingEnv;
        this.javaOptions = javaOptions;
    }

    /** Starts looking for new pods, four times a second. */
    void start() {
        loop.scheduleWithFixedDelay(this::sync, 0, 250, TimeUnit.MILLISECONDS);
    }

    /** The name of the podman container that runs {@code pod}. */
    static String container(String pod) {
        return "spindle-e2e-" + pod;
    }

    /** The pods whose containers were started, by name. */
    Set<String> started() {
        return Set.copyOf(ips.keySet().stream().filter(p -> running.containsKey(p) || exits.containsKey(p)).toList());
    }

    /** The exit codes of the containers that ended, by pod name. */
    Map<String, Integer> exits() {
        return Map.copyOf(exits);
    }

    /**
     * Waits until the container of every pod it started has ended and the pod's phase says so; false when
     * {@code timeout} ran out first.
     */
    boolean awaitEnded(java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!exits.keySet().containsAll(ips.keySet())) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(200);
        }
        return true;
    }

    /** What went wrong while playing the kubelet (a pod it could not run), empty when nothing did. */
    List<String> problems() {
        return List.copyOf(problems);
    }

    /** The log of {@code pod}'s container. */
    String log(String pod) throws IOException {
        Path log = dir.resolve(pod + ".log");
        return Files.exists(log) ? Files.readString(log) : "(no log)";
    }

    private void sync() {
        try {
            List<Pod> pods = admin.pods().inNamespace(namespace).list().getItems();
            for (Pod pod : pods) {
                String name = pod.getMetadata().getName();
                if (!ips.containsKey(name) && pod.getMetadata().getDeletionTimestamp() == null) {
                    ips.put(name, "127.0.0." + (2 + ips.size()));
                    bind(pod);
                }
            }
            Map<String, String> hosts = hosts(pods);
            for (Pod pod : pods) {
                String name = pod.getMetadata().getName();
                if (ips.containsKey(name) && !running.containsKey(name) && !exits.containsKey(name) && hosts != null) {
                    run(pod, hosts);
                }
            }
        } catch (Exception e) {
            problems.add("kubelet: " + e);
        }
    }

    /** As the scheduler: binds the pod to {@link #NODE}. */
    private void bind(Pod pod) {
        admin.bindings().inNamespace(namespace).resource(new BindingBuilder().withNewMetadata()
                .withName(pod.getMetadata().getName()).endMetadata().withNewTarget().withApiVersion("v1").withKind("Node")
                .withName(NODE).endTarget().build()).create();
    }

    /**
     * The cluster DNS of headless Services: each Service's name to the address of the pod it selects, or null while
     * some Service selects no pod with an address yet (its name would not resolve, so the pods wait).
     */
    private Map<String, String> hosts(List<Pod> pods) {
        Map<String, String> hosts = new LinkedHashMap<>();
        for (Service service : admin.services().inNamespace(namespace).list().getItems()) {
            Map<String, String> selector = service.getSpec().getSelector();
            String ip = pods.stream().filter(p -> selector != null && ips.containsKey(p.getMetadata().getName())
                    && p.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                    .map(p -> ips.get(p.getMetadata().getName())).findFirst().orElse(null);
            if (ip == null) {
                return null;
            }
            String name = service.getMetadata().getName();
            hosts.put(name, ip);
            hosts.put(name + "." + namespace + ".svc.cluster.local", ip);
        }
        return hosts;
    }

    private void run(Pod pod, Map<String, String> hosts) throws Exception {
        String name = pod.getMetadata().getName();
        List<Container> containers = pod.getSpec().getContainers();
        if (containers.size() != 1 || !pod.getSpec().getInitContainers().isEmpty()) {
            throw new IllegalStateException(name + ": this kubelet runs pods of one container, got " + containers.size());
        }
        Container c = containers.get(0);
        if (!image.equals(c.getImage())) {
            throw new IllegalStateException(name + ": image " + c.getImage() + ", expected " + image);
        }
        if (c.getCommand() != null && !c.getCommand().isEmpty()) {
            throw new IllegalStateException(name + ": the pods give args only (the image's entrypoint), got command "
                    + c.getCommand());
        }
        String ip = ips.get(name);
        PodSecurityContext podSecurity = pod.getSpec().getSecurityContext();
        SecurityContext security = c.getSecurityContext();
        long user = security != null && security.getRunAsUser() != null ? security.getRunAsUser() : podSecurity.getRunAsUser();
        long group = security != null && security.getRunAsGroup() != null ? security.getRunAsGroup()
                : podSecurity.getRunAsGroup();
        Long fsGroup = podSecurity.getFsGroup();

        List<String> args = new ArrayList<>(List.of("run", "--name", container(name), "--network", "host",
                "--user", user + ":" + group));
        if (fsGroup != null) {
            args.addAll(List.of("--group-add", fsGroup.toString()));
        }
        if (security != null && Boolean.TRUE.equals(security.getReadOnlyRootFilesystem())) {
            args.add("--read-only");
        }
        if (security != null && Boolean.FALSE.equals(security.getAllowPrivilegeEscalation())) {
            args.addAll(List.of("--security-opt", "no-new-privileges"));
        }
        if (security != null && security.getCapabilities() != null) {
            security.getCapabilities().getDrop().forEach(cap -> args.addAll(List.of("--cap-drop", cap)));
        }
        if (c.getWorkingDir() != null) {
            args.addAll(List.of("--workdir", c.getWorkingDir()));
        }
        hosts.forEach((host, address) -> args.addAll(List.of("--add-host", host + ":" + address)));
        args.addAll(mounts(pod, c, fsGroup));
        Map<String, String> env = env(pod, c, ip);
        env.forEach((key, value) -> args.addAll(List.of("--env", key + "=" + value)));
        args.add(imageId);
        for (String arg : c.getArgs()) {
            args.add(expand(arg, env));
        }

        Process process = new ProcessBuilder(podman.command(args)).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start();
        running.put(name, process);
        status(name, "Running", ip, new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage())
                .withImageID(imageId).withReady(true).withRestartCount(0).withNewState().withNewRunning()
                .withStartedAt(Instant.now().toString()).endRunning().endState().build());
        process.onExit().thenAccept(p -> {
            try {
                status(name, p.exitValue() == 0 ? "Succeeded" : "Failed", ip, new ContainerStatusBuilder()
                        .withName(c.getName()).withImage(c.getImage()).withImageID(imageId).withReady(false)
                        .withRestartCount(0).withNewState().withNewTerminated().withExitCode(p.exitValue())
                        .withReason(p.exitValue() == 0 ? "Completed" : "Error").withFinishedAt(Instant.now().toString())
                        .endTerminated().endState().build());
            } catch (RuntimeException e) {
                problems.add(name + ": setting the pod's end: " + e);
            } finally {
                exits.put(name, p.exitValue());
            }
        });
    }

    /** The container's env as a kubelet makes it: in order, each value's {@code $(VAR)} expanded. */
    private Map<String, String> env(Pod pod, Container c, String ip) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KUBERNETES_SERVICE_HOST", "127.0.0.1");
        env.put("KUBERNETES_SERVICE_PORT", "6443");
        for (EnvVar var : c.getEnv()) {
            String value;
            if (var.getValueFrom() == null) {
                value = expand(var.getValue() == null ? "" : var.getValue(), env);
            } else if (var.getValueFrom().getFieldRef() != null) {
                value = field(pod, var.getValueFrom().getFieldRef().getFieldPath(), ip);
            } else {
                throw new IllegalStateException(pod.getMetadata().getName() + ": env " + var.getName()
                        + " comes from " + var.getValueFrom() + ", which this kubelet does not support");
            }
            env.put(var.getName(), value);
        }
        env.putAll(mutatingEnv);
        env.merge("JAVA_TOOL_OPTIONS", javaOptions, (pods, ours) -> pods + " " + ours);
        return env;
    }

    private static String field(Pod pod, String path, String ip) {
        Matcher label = LABEL.matcher(path);
        if (label.matches()) {
            return pod.getMetadata().getLabels().getOrDefault(label.group(1), "");
        }
        return switch (path) {
            case "metadata.name" -> pod.getMetadata().getName();
            case "metadata.namespace" -> pod.getMetadata().getNamespace();
            case "status.podIP" -> ip;
            default -> throw new IllegalStateException(pod.getMetadata().getName() + ": fieldRef " + path
                    + " is not supported by this kubelet");
        };
    }

    /** Kubernetes' {@code $(VAR)} expansion: defined variables are replaced, {@code $$} is a {@code $}, the rest stays. */
    static String expand(String text, Map<String, String> env) {
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = m.group(1) == null ? "$" : env.getOrDefault(m.group(1), m.group());
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The container's volume mounts: ConfigMaps and Secrets written to host folders, emptyDirs as tmpfs. */
    private List<String> mounts(Pod pod, Container c, Long fsGroup) throws IOException {
        String name = pod.getMetadata().getName();
        Map<String, Volume> volumes = new LinkedHashMap<>();
        pod.getSpec().getVolumes().forEach(v -> volumes.put(v.getName(), v));
        List<String> args = new ArrayList<>();
        for (VolumeMount mount : c.getVolumeMounts()) {
            Volume v = volumes.get(mount.getName());
            if (v.getEmptyDir() != null) {
                args.addAll(List.of("--tmpfs", mount.getMountPath() + ":rw,mode=1777"));
                continue;
            }
            Map<String, byte[]> files;
            List<KeyToPath> items;
            Integer mode;
            if (v.getConfigMap() != null) {
                ConfigMap map = admin.configMaps().inNamespace(namespace).withName(v.getConfigMap().getName()).get();
                files = new LinkedHashMap<>();
                map.getData().forEach((k, value) -> files.put(k, value.getBytes(StandardCharsets.UTF_8)));
                items = v.getConfigMap().getItems();
                mode = v.getConfigMap().getDefaultMode();
            } else if (v.getSecret() != null) {
                Secret secret = admin.secrets().inNamespace(namespace).withName(v.getSecret().getSecretName()).get();
                files = new LinkedHashMap<>();
                secret.getData().forEach((k, value) -> files.put(k, Base64.getDecoder().decode(value)));
                items = v.getSecret().getItems();
                mode = v.getSecret().getDefaultMode();
            } else {
                throw new IllegalStateException(name + ": volume " + v.getName() + " is of a kind this kubelet lacks");
            }
            Path folder = Files.createDirectories(dir.resolve("volumes").resolve(name).resolve(v.getName()));
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                String path = items == null || items.isEmpty() ? file.getKey() : items.stream()
                        .filter(i -> i.getKey().equals(file.getKey())).map(KeyToPath::getPath).findFirst().orElse(null);
                if (path != null) {
                    write(folder.resolve(path), file.getValue(), mode == null ? 0644 : mode, fsGroup);
                }
            }
            String options = Boolean.TRUE.equals(mount.getReadOnly()) ? ":ro" : "";
            args.addAll(List.of("--volume", folder + ":" + mount.getMountPath() + options));
        }
        return args;
    }

    /** A volume's file: {@code mode}, and with an {@code fsGroup} owned by that group and readable by it. */
    private static void write(Path file, byte[] content, int mode, Long fsGroup) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, content);
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        int effective = fsGroup == null ? mode : mode | 0040;
        for (int i = 0; i < bits.length; i++) {
            if ((effective & (1 << i)) != 0) {
                permissions.add(bits[i]);
            }
        }
        if (fsGroup != null) {
            GroupPrincipal group = file.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByGroupName(fsGroup.toString());
            Files.getFileAttributeView(file, PosixFileAttributeView.class).setGroup(group);
        }
        Files.setPosixFilePermissions(file, permissions);
    }

    private void status(String pod, String phase, String ip, io.fabric8.kubernetes.api.model.ContainerStatus container) {
        admin.pods().inNamespace(namespace).withName(pod).editStatus(p -> new PodBuilder(p).editOrNewStatus()
                .withPhase(phase).withHostIP("127.0.0.1").withPodIP(ip).withContainerStatuses(container).endStatus()
                .build());
    }

    /**
     * Stops: kills the containers still running, then removes the pods for good (what a kubelet does once their
     * containers are gone), so that deleting the namespace completes.
     */
    @Override
    public void close() {
        loop.shutdownNow();
        running.values().forEach(Process::destroyForcibly);
        for (Pod pod : admin.pods().inNamespace(namespace).list().getItems()) {
            admin.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).withGracePeriod(0).delete();
        }
    }

    /** The podman containers this kubelet made (for {@code podman rm}). */
    List<String> containers() {
        return ips.keySet().stream().map(PodmanKubelet::container).toList();
    }
}

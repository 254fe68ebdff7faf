package dev.spindle.launcher.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A child JVM that runs like this one: the same Java, this process's class path, the JVM flags DJL and
 * Arrow need on Java 17, the environment {@code bin/spindle} and the build set (offline DJL, no telemetry,
 * the DJL cache, reproducible MKL math), plus a libtorch thread share, a heap size, a main class and its
 * arguments. Immutable; {@link #start()} may be called again for a new process.
 *
 * <pre>{@code
 * JavaProcess worker = JavaProcess.builder("dev.spindle.cluster.worker.WorkerMain")
 *         .args("--worker-id", "w0", "--coordinator", seed)
 *         .threads(WorkerProcesses.threadsPerWorker(cores, 4))
 *         .heap("2g")
 *         .build();
 * Process p = worker.start();   // stdout and stderr are pipes: read them (WorkerProcesses does)
 * }</pre>
 */
public final class JavaProcess {

    /** JVM flags every Spindle process needs (the root pom's {@code spindle.jvm.flags}, bin/spindle). */
    public static final List<String> JVM_FLAGS = List.of(
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "-Dai.djl.offline=true",
            "-Dio.netty.tryReflectionSetAccessible=true");

    /** Where util-linux's {@code setsid} may be, for {@link Builder#ownSession}. */
    private static final List<Path> SETSID = List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));

    private static final Logger LOG = LoggerFactory.getLogger(JavaProcess.class);

    /** System properties of this JVM that children inherit when set here (logging and debugging). */
    private static final List<String> INHERITED_PROPERTY_PREFIXES = List.of("org.slf4j.simpleLogger.", "spindle.");

    private final List<String> command;
    private final Map<String, String> environment;
    private final Path workingDirectory;

    private JavaProcess(List<String> command, Map<String, String> environment, Path workingDirectory) {
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.workingDirectory = workingDirectory;
    }

    /** A builder for a child JVM running {@code mainClass} (a fully qualified class name on the class path). */
    public static Builder builder(String mainClass) {
        if (mainClass == null || mainClass.isBlank() || mainClass.contains(" ")) {
            throw new IllegalArgumentException("main class: expected a fully qualified class name, got '"
                    + mainClass + "'");
        }
        return new Builder(mainClass);
    }

    /**
     * The full command line: ({@code setsid} if in its own session,) the java executable, JVM options,
     * {@code -cp}, the main class and its arguments.
     */
    public List<String> command() {
        return command;
    }

    /** The variables set in the child's environment on top of this process's own. */
    public Map<String, String> environment() {
        return environment;
    }

    /** Starts the process with its stdout and stderr as separate pipes and stdin closed. */
    public Process start() throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (workingDirectory != null) {
            builder.directory(workingDirectory.toFile());
        }
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close();  // children read nothing from us; EOF rather than a hang
        return process;
    }

    @Override
    public String toString() {
        return String.join(" ", command);
    }

    /** Collects what differs between child JVMs; everything else comes from this JVM. */
    public static final class Builder {

        private final String mainClass;
        private final List<String> args = new ArrayList<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private final Map<String, String> properties = new LinkedHashMap<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private String classPath = System.getProperty("java.class.path");
        private String heap;
        private int threads = 1;
        private Path workingDirectory;
        private boolean ownSession;

        private Builder(String mainClass) {
            this.mainClass = mainClass;
        }

        /** Appends arguments for the main class. */
        public Builder args(String... more) {
            return args(List.of(more));
        }

        /** Appends arguments for the main class. */
        public Builder args(List<String> more) {
            more.forEach(a -> args.add(Objects.requireNonNull(a, "argument")));
            return this;
        }

        /**
         * libtorch threads of the child (default 1): {@code -Dai.djl.pytorch.num_threads=T},
         * {@code num_interop_threads=1} and {@code OMP_NUM_THREADS=T}. Workers on one machine each take a share
         * ({@link WorkerProcesses#threadsPerWorker}), or they fight over the cores.
         */
        public Builder threads(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("threads: expected >= 1, got " + count);
            }
            threads = count;
            return this;
        }

        /** Maximum heap, as {@code -Xmx} takes it: {@code "512m"}, {@code "2g"}. Default: the JVM's own. */
        public Builder heap(String size) {
            if (size == null || !size.matches("[0-9]+[kKmMgG]?")) {
                throw new IllegalArgumentException("heap: expected a size such as 512m or 2g, got '" + size + "'");
            }
            heap = size;
            return this;
        }

        /** Sets a system property of the child ({@code -Dname=value}). */
        public Builder property(String name, String value) {
            properties.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Adds a JVM option as is, e.g. {@code -XX:+UseSerialGC}. */
        public Builder jvmOption(String option) {
            if (option == null || !option.startsWith("-")) {
                throw new IllegalArgumentException("JVM option: expected one starting with '-', got '" + option + "'");
            }
            jvmOptions.add(option);
            return this;
        }

        /** Sets a variable of the child's environment (overrides the defaults below). */
        public Builder environment(String name, String value) {
            environment.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** The class path (default: this JVM's {@code java.class.path}, which covers a jar's manifest class path). */
        public Builder classPath(String path) {
            classPath = Objects.requireNonNull(path, "class path");
            return this;
        }

        /** The child's working directory (default: this process's). */
        public Builder workingDirectory(Path directory) {
            workingDirectory = directory;
            return this;
        }

        /**
         * Start the child in a session of its own ({@code setsid}, which execs in place: the pid stays the
         * JVM's), so Ctrl-C on the launcher's terminal reaches only the launcher, which then stops its workers
         * its own way (a common stop step, a checkpoint) instead of every worker dying of SIGINT at once.
         * Default false. Where {@code setsid} is missing (not Linux) the child shares the terminal, with a
         * warning.
         */
        public Builder ownSession(boolean own) {
            ownSession = own;
            return this;
        }

        /** The process description; start it with {@link JavaProcess#start()}. */
        public JavaProcess build() {
            List<String> command = new ArrayList<>();
            if (ownSession) {
                SETSID.stream().filter(Files::isExecutable).findFirst().ifPresentOrElse(
                        setsid -> command.add(setsid.toString()),
                        () -> LOG.warn("no setsid in {}: {} shares this terminal, so Ctrl-C reaches it directly",
                                SETSID, mainClass));
            }
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(JVM_FLAGS);
            if (heap != null) {
                command.add("-Xmx" + heap);
            }
            Map<String, String> props = new LinkedHashMap<>(inheritedProperties());
            props.put("ai.djl.pytorch.num_threads", Integer.toString(threads));
            props.put("ai.djl.pytorch.num_interop_threads", "1");
            props.putAll(properties);
            props.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.addAll(jvmOptions);
            command.add("-cp");
            command.add(classPath);
            command.add(mainClass);
            command.addAll(args);
            return new JavaProcess(command, childEnvironment(), workingDirectory);
        }

        private Map<String, String> childEnvironment() {
            Map<String, String> own = System.getenv();
            Map<String, String> env = new LinkedHashMap<>();
            env.put("DJL_OFFLINE", "true");
            env.put("OPT_OUT_TRACKING", "true");
            String cache = own.getOrDefault("SPINDLE_CACHE_DIR",
                    Path.of(System.getProperty("user.home"), ".cache", "spindle").toString());
            env.put("DJL_CACHE_DIR", own.getOrDefault("DJL_CACHE_DIR", Path.of(cache, "djl").toString()));
            // Bit-reproducible math with several threads, as bin/spindle sets it (docs/troubleshooting.md).
            env.put("MKL_CBWR", own.getOrDefault("MKL_CBWR", "AUTO,STRICT"));
            env.put("OMP_NUM_THREADS", Integer.toString(threads));
            env.putAll(environment);
            return env;
        }

        private static Map<String, String> inheritedProperties() {
            Map<String, String> inherited = new LinkedHashMap<>();
            Properties own = System.getProperties();
            for (String name : own.stringPropertyNames()) {
                if (INHERITED_PROPERTY_PREFIXES.stream().anyMatch(name::startsWith)) {
                    inherited.put(name, own.getProperty(name));
                }
            }
            return inherited;
        }
    }
}

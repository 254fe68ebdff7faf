package dev.spindle.launcher.cli;

import dev.spindle.launcher.kube.JobPhase;
import dev.spindle.launcher.kube.JobStatus;
import dev.spindle.launcher.kube.KubeException;
import dev.spindle.launcher.kube.KubeJobs;
import dev.spindle.launcher.kube.KubeTarget;
import dev.spindle.launcher.kube.SubmittedJob;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What the commands that talk to a Kubernetes cluster share: {@code --kubeconfig}, {@code --context},
 * {@code --namespace}, one connection per command, and one clear line (exit {@link #errorExitCode()}) when
 * the cluster cannot be used (unreachable, credentials, RBAC, a missing namespace or job).
 */
abstract class ClusterCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "The kubeconfig (default: KUBECONFIG, ~/.kube/config, or the pod's service account).")
    Path kubeconfig;

    @Option(names = "--context", paramLabel = "CONTEXT", description = "The kubeconfig context (default: its current one).")
    String context;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE",
            description = "The namespace (default: spec.kubernetes.namespace for submit, else the context's).")
    String namespace;

    @Override
    public final Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        KubeTarget target = new KubeTarget(Optional.ofNullable(kubeconfig), Optional.ofNullable(context),
                Optional.ofNullable(namespace));
        try (KubeJobs jobs = KubeJobs.connect(target)) {
            return run(jobs, out);
        } catch (KubeException e) {
            out.flush();
            spec.commandLine().getErr().println("spindle: " + e.getMessage());
            if (Boolean.getBoolean("spindle.debug")) {
                LoggerFactory.getLogger(getClass()).error("stack trace", e);
            }
            return errorExitCode();
        }
    }

    /** Does the command's work and returns its exit code. */
    abstract int run(KubeJobs jobs, PrintWriter out) throws Exception;

    /** The exit code when the cluster could not be used. */
    int errorExitCode() {
        return SpindleCli.FAILED;
    }

    /**
     * Prints a submitted job's warnings and then, unless {@code --detach}, its events until it ends or
     * {@code --timeout} passes. Ctrl-C stops following and leaves the job running.
     *
     * @return 0 if the job succeeded or is left running, 1 if it failed or was deleted
     */
    static int follow(SubmittedJob job, PrintWriter out, FollowOptions options) {
        boolean detach = options.detach;
        Duration timeout = Duration.ofMinutes(options.timeoutMinutes);
        job.warnings().forEach(w -> out.println("spindle: WARNING: " + w));
        String where = " -n " + job.namespace();
        if (detach) {
            out.println("spindle: follow it with: spindle status " + job.name() + where);
            out.flush();
            return SpindleCli.OK;
        }
        out.println("spindle: following " + job.name() + " (Ctrl-C detaches; the job keeps running)");
        out.flush();
        AtomicBoolean done = new AtomicBoolean();
        Thread detachHook = new Thread(() -> {
            if (!done.get()) {
                out.println();
                out.println("spindle: detached; " + job.name() + " keeps running: spindle status " + job.name() + where
                        + ", spindle cancel " + job.name() + where);
                out.flush();
            }
        }, "spindle-detach");
        Runtime.getRuntime().addShutdownHook(detachHook);
        JobStatus end;
        try {
            end = job.await(timeout, event -> {
                out.println("spindle: " + event.line());
                out.flush();
            });
        } finally {
            done.set(true);
            try {
                Runtime.getRuntime().removeShutdownHook(detachHook);
            } catch (IllegalStateException e) {
                // Shutting down (Ctrl-C): the hook is running and says so.
            }
        }
        if (end.phase().active()) {
            out.println("spindle: still " + end.phase().word() + " after " + timeout.toMinutes()
                    + " min; stopped following: spindle status " + job.name() + where);
            return SpindleCli.OK;
        }
        return end.phase() == JobPhase.SUCCEEDED ? SpindleCli.OK : SpindleCli.FAILED;
    }

    /** {@code --detach} and {@code --timeout} of the commands that start a job. */
    static final class FollowOptions {

        @Option(names = "--detach", description = "Return once the job's objects are applied, without following it.")
        boolean detach;

        @Option(names = "--timeout", paramLabel = "MINUTES", defaultValue = "1440",
                description = "Stop following after this many minutes (default ${DEFAULT-VALUE}); the job keeps running.")
        long timeoutMinutes;
    }
}

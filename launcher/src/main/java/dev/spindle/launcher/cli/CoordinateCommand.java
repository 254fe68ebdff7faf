package dev.spindle.launcher.cli;

import dev.spindle.launcher.RunSummary;
import dev.spindle.launcher.kube.pod.CoordinateOptions;
import dev.spindle.launcher.kube.pod.CoordinatorPod;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code spindle coordinate ...}: the program of a job's coordinator pod. It hosts the job's coordinator, waits
 * for the worker pods to join, follows the job to its end and keeps the status ConfigMap current; exit 0 when
 * the job finished, 1 when it failed (one line says why and where to resume from), 2 for bad input.
 */
@Command(name = "coordinate", mixinStandardHelpOptions = true,
        description = "Coordinate a job whose workers run elsewhere (the coordinator pod's program).")
final class CoordinateCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--job", required = true, paramLabel = "FILE", description = "The job spec (YAML).")
    Path jobFile;

    @Option(names = "--cluster-dir", required = true, paramLabel = "DIR",
            description = "Folder with the job's job.secret and job-tls.p12 (the mounted Secret).")
    Path clusterDir;

    @Option(names = "--run-dir", required = true, paramLabel = "DIR",
            description = "Writable folder for the run's events, metrics and resolved spec.")
    Path runDir;

    @Option(names = "--base-dir", paramLabel = "DIR",
            description = "Relative paths in the spec resolve against it (default: the job file's folder).")
    Path baseDir;

    @Option(names = "--host", required = true, paramLabel = "IP",
            description = "The address Pekko binds and advertises: the pod IP.")
    String host;

    @Option(names = "--port", defaultValue = "25520", paramLabel = "PORT",
            description = "The Pekko port (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--namespace", paramLabel = "NS", description = "The namespace of the status ConfigMap.")
    String namespace;

    @Option(names = "--status-configmap", paramLabel = "NAME",
            description = "The ConfigMap whose status.json this coordinator keeps current (needs --namespace).")
    String statusConfigMap;

    @Option(names = "--resume", description = "Continue from the newest committed checkpoint.")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        if ((namespace == null) != (statusConfigMap == null)) {
            throw new ParameterException(spec.commandLine(), "--namespace and --status-configmap go together: "
                    + "give both (the status ConfigMap's namespace and name) or neither");
        }
        Optional<CoordinateOptions.StatusTarget> status = namespace == null ? Optional.empty()
                : Optional.of(new CoordinateOptions.StatusTarget(namespace, statusConfigMap));
        CoordinateOptions options = new CoordinateOptions(jobFile, clusterDir, runDir, baseDir, host, port, status,
                resume);
        PrintWriter out = spec.commandLine().getOut();
        out.println("spindle: coordinating " + jobFile + " on " + host + ":" + port
                + status.map(t -> ", status in ConfigMap " + t.namespace() + "/" + t.name()).orElse(""));
        out.flush();
        PlainLog[] progress = new PlainLog[1];
        RunSummary summary = CoordinatorPod.run(options, job -> {
            progress[0] = new PlainLog(out, job.spec().training().logInterval());
            return List.of(progress[0]);
        }, spec.commandLine().getErr());
        progress[0].finish();
        var result = summary.result();
        out.printf("spindle: finished at step %d, loss %.4f%n", result.finalStep(), result.finalLoss());
        result.lastCheckpoint().ifPresent(c -> out.println("spindle: checkpoint " + summary.checkpointLocation()
                + "/" + c.directory().getFileName() + " (parameters " + c.parametersDigest() + ")"));
        out.flush();
        return SpindleCli.OK;
    }
}

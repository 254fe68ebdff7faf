package dev.spindle.launcher.cli;

import dev.spindle.launcher.Spindle;
import dev.spindle.launcher.kube.KubeJobs;
import dev.spindle.launcher.kube.SubmitOptions;
import dev.spindle.launcher.kube.SubmittedJob;
import dev.spindle.spec.JobSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spindle submit job.yaml}: applies a job's objects to a Kubernetes cluster and follows it. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Check a job, apply its Kubernetes objects with server-side apply, and follow it:"
                + " pods, the gang, steps and loss, the end. Ctrl-C detaches; the job keeps running.",
            "Exit codes: 0 succeeded (or left running), 1 failed or the cluster could not be used, 2 bad input."})
final class SubmitCommand extends ClusterCommand {

    @Parameters(index = "0", paramLabel = "JOB", description = "The job spec (YAML) with a spec.kubernetes section.")
    Path jobFile;

    @Option(names = "--set", paramLabel = "PATH=VALUE",
            description = "Override a spec field, e.g. --set spec.kubernetes.image=REPO@sha256:... (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Mixin
    FollowOptions follow;

    @Override
    int run(KubeJobs jobs, PrintWriter out) throws Exception {
        JobSpec job = Spindle.load(jobFile, overrides);
        SubmittedJob submitted = jobs.submit(job, SubmitOptions.DEFAULT);
        out.println("spindle: submitted " + submitted.name() + " to namespace " + submitted.namespace() + " on "
                + jobs.server() + " (server-side apply, " + jobs.requests() + " API requests)");
        return follow(submitted, out, follow);
    }
}

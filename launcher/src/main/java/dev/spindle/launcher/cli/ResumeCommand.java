package dev.spindle.launcher.cli;

import dev.spindle.launcher.Spindle;
import dev.spindle.launcher.kube.KubeJobs;
import dev.spindle.launcher.kube.SubmittedJob;
import dev.spindle.spec.JobSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spindle resume NAME}: re-creates a failed or cancelled job from its newest committed checkpoint. */
@Command(name = "resume", mixinStandardHelpOptions = true,
        description = {"Re-create a failed, finished or cancelled job; its coordinator restores the newest committed"
                + " checkpoint. The spec comes from the cluster (the job's ConfigMap) while it is there, else from"
                + " what this machine submitted, else from --job. A running job is refused."})
final class ResumeCommand extends ClusterCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "The job's name (metadata.name).")
    String name;

    @Option(names = "--job", paramLabel = "FILE",
            description = "The job spec to use when neither the cluster nor this machine still has it.")
    Path jobFile;

    @Option(names = "--delete-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "How long to wait for the old objects to be deleted (default ${DEFAULT-VALUE}).")
    long deleteTimeoutSeconds;

    @Mixin
    FollowOptions follow;

    @Override
    int run(KubeJobs jobs, PrintWriter out) throws Exception {
        Optional<JobSpec> given = jobFile == null ? Optional.empty() : Optional.of(Spindle.load(jobFile, List.of()));
        SubmittedJob job = jobs.resume(name, given, Duration.ofSeconds(deleteTimeoutSeconds));
        out.println("spindle: resumed " + job.name() + " in namespace " + job.namespace()
                + "; its coordinator restores the newest committed checkpoint");
        return follow(job, out, follow);
    }
}

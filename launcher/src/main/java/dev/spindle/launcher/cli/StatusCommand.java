package dev.spindle.launcher.cli;

import dev.spindle.launcher.kube.KubeJobs;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code spindle status NAME}: a submitted job's phase, progress and pods. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show a submitted job: phase, the coordinator's report (generation, step, loss, checkpoint), pods.")
final class StatusCommand extends ClusterCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "The job's name (metadata.name).")
    String name;

    @Override
    int run(KubeJobs jobs, PrintWriter out) {
        jobs.status(name).describe().forEach(out::println);
        return SpindleCli.OK;
    }
}

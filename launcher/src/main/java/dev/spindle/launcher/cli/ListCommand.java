package dev.spindle.launcher.cli;

import dev.spindle.launcher.kube.JobStatus;
import dev.spindle.launcher.kube.KubeJobs;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code spindle list}: the Spindle jobs in a namespace. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the Spindle jobs in the namespace.")
final class ListCommand extends ClusterCommand {

    @Override
    int run(KubeJobs jobs, PrintWriter out) {
        List<JobStatus> all = jobs.list();
        if (all.isEmpty()) {
            out.println("no Spindle jobs in namespace " + jobs.namespace());
        }
        all.forEach(s -> out.println(s.summary()));
        return SpindleCli.OK;
    }
}

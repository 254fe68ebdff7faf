package dev.spindle.launcher.cli;

import dev.spindle.launcher.kube.Drift;
import dev.spindle.launcher.kube.KubeJobs;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code spindle diff NAME}: drift between the job's templates and its live objects. */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = {"Compare what the templates render for a job (from its spec on the cluster) with its live"
                + " objects: images, resources, labels, replicas. Fields the server fills in are not drift.",
            "Exit codes, as kubectl diff: 0 no drift, 1 drift, 2 an error."})
final class DiffCommand extends ClusterCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "The job's name (metadata.name).")
    String name;

    @Override
    int run(KubeJobs jobs, PrintWriter out) {
        List<Drift> drift = jobs.diff(name);
        if (drift.isEmpty()) {
            out.println("no drift: the live objects of " + name + " match its templates");
            return SpindleCli.OK;
        }
        out.println(drift.size() + " difference(s) between the templates of " + name + " and the live objects:");
        drift.forEach(d -> out.println("  " + d.line()));
        return SpindleCli.FAILED;
    }

    @Override
    int errorExitCode() {
        return SpindleCli.BAD_INPUT;
    }
}

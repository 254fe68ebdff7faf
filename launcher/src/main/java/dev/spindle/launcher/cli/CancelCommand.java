package dev.spindle.launcher.cli;

import dev.spindle.launcher.kube.KubeJobs;
import dev.spindle.spec.JobSpec;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spindle cancel NAME}: deletes a job's objects; its checkpoints stay in storage. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
        description = "Delete a job's Kubernetes objects (pods included); its checkpoints stay in storage for resume.")
final class CancelCommand extends ClusterCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "The job's name (metadata.name).")
    String name;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "120",
            description = "How long to wait for everything to be deleted (default ${DEFAULT-VALUE}; 0: do not wait).")
    long waitSeconds;

    @Override
    int run(KubeJobs jobs, PrintWriter out) {
        JobSpec job = jobs.cancel(name);
        out.println("spindle: deleting " + name + " in namespace " + jobs.namespace()
                + ": its root ConfigMap and everything it owns");
        out.flush();
        if (waitSeconds > 0) {
            out.println(jobs.awaitDeleted(name, Duration.ofSeconds(waitSeconds)) ? "spindle: deleted"
                    : "spindle: still deleting after " + waitSeconds + " s (pods terminating); spindle status " + name
                            + " shows when it is gone");
        }
        out.println("spindle: checkpoints are kept at " + job.spec().checkpoint().uri()
                + "; continue with: spindle resume " + name);
        return SpindleCli.OK;
    }
}

package dev.spindle.launcher.cli;

import dev.spindle.launcher.Spindle;
import dev.spindle.launcher.kube.render.ClusterSecret;
import dev.spindle.launcher.kube.render.JobNames;
import dev.spindle.launcher.kube.render.JobResources;
import dev.spindle.launcher.kube.render.RenderOptions;
import dev.spindle.spec.JobSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spindle render job.yaml}: the Kubernetes objects of a job exactly as {@code spindle submit} would
 * apply them, as YAML on standard output (for code review and GitOps). The Secret is printed without data.
 */
@Command(name = "render", mixinStandardHelpOptions = true,
        description = "Print the Kubernetes objects of a job as spindle submit would apply them (the Secret"
                + " without its data).")
final class RenderCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "JOB", description = "The job spec (YAML) with a spec.kubernetes section.")
    Path jobFile;

    @Option(names = "--overlay", paramLabel = "OVERLAY",
            description = "aks-standard or aks-automatic (default: spec.kubernetes.overlay).")
    String overlay;

    @Option(names = "--namespace", paramLabel = "N",
            description = "The namespace of every object (default: spec.kubernetes.namespace, else none).")
    String namespace;

    @Option(names = "--set", paramLabel = "PATH=VALUE",
            description = "Override a spec field, e.g. --set spec.parallelism.data=4 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--policy-v1beta1",
            description = "Write the PodDisruptionBudget as policy/v1beta1, for servers older than Kubernetes 1.21.")
    boolean policyV1beta1;

    @Option(names = "--write-secret", paramLabel = "DIR",
            description = "Also make a new cluster secret (job.secret, job-tls.p12) in DIR, readable by you only:"
                    + " the files a job's kustomization in manifests/jobs puts into its Secret.")
    Path secretDir;

    @Override
    public Integer call() throws Exception {
        List<String> all = new ArrayList<>(overrides);
        if (overlay != null) {
            // An override, so that a wrong name is reported like one in the file, naming the field.
            all.add("spec.kubernetes.overlay=" + overlay);
        }
        JobSpec job = Spindle.load(jobFile, all);
        RenderOptions options = RenderOptions.defaults(namespace).withPolicyV1(!policyV1beta1);
        String yaml = JobResources.toYaml(JobResources.render(job, options));
        if (secretDir != null) {
            ClusterSecret.generate().write(secretDir);
            spec.commandLine().getErr().println("spindle: wrote a new cluster secret to " + secretDir + " ("
                    + JobNames.KEY_SECRET + ", " + JobNames.KEY_TLS_STORE + ")");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(yaml);
        out.flush();
        return SpindleCli.OK;
    }
}

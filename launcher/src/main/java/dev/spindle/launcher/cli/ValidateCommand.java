package dev.spindle.launcher.cli;

import dev.spindle.launcher.Spindle;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spindle validate job.yaml}: every problem of a job at once, without training. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a job spec, its model settings and its datasets; print every problem.")
final class ValidateCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "JOB", description = "The job spec (YAML).")
    Path jobFile;

    @Option(names = "--set", paramLabel = "PATH=VALUE", description = "Override a spec field (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        List<String> problems = Spindle.validate(jobFile, overrides);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (problems.isEmpty()) {
            out.println(jobFile + ": valid");
            return SpindleCli.OK;
        }
        for (String problem : problems) {
            err.println(jobFile + ": " + problem);
        }
        err.println(problems.size() + (problems.size() == 1 ? " problem" : " problems"));
        return SpindleCli.BAD_INPUT;
    }
}

package dev.spindle.launcher.cli;

import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.checkpoint.CheckpointStore;
import dev.spindle.checkpoint.VerifyResult;
import dev.spindle.data.storage.Storage;
import dev.spindle.data.storage.StorageException;
import dev.spindle.launcher.JobException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spindle checkpoints list|verify RUN_DIR}. */
@Command(name = "checkpoints", mixinStandardHelpOptions = true, description = "List and verify a run's checkpoints.",
        subcommands = {CheckpointsCommand.ListCheckpoints.class, CheckpointsCommand.Verify.class})
final class CheckpointsCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * A run directory holds its checkpoints in checkpoints/; a checkpoint folder may be named directly, and
     * so may a remote checkpoint URI ({@code abfss://...}, the run's {@code spec.checkpoint.uri}).
     */
    static CheckpointStore store(String location) {
        if (Storage.isRemote(location)) {
            try {
                Storage.checkLocation(location, "RUN_DIR");
            } catch (StorageException e) {
                throw new JobException(e.getMessage());
            }
            return Storage.checkpoints(location, Integer.MAX_VALUE);
        }
        Path dir = location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
        Path inRun = dir.resolve("checkpoints");
        Path root = Files.isDirectory(inRun) ? inRun : dir;
        if (!Files.isDirectory(root)) {
            throw new JobException(dir + " is not a run directory or a checkpoint folder");
        }
        return CheckpointStore.open(root, Integer.MAX_VALUE);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the valid checkpoints, oldest first.")
    static final class ListCheckpoints implements Callable<Integer> {

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "RUN_DIR", description = "a run directory, checkpoint folder or URI")
        String dir;

        @Override
        public Integer call() throws Exception {
            List<CheckpointInfo> all = store(dir).list();
            PrintWriter out = spec.commandLine().getOut();
            if (all.isEmpty()) {
                out.println("no valid checkpoint in " + dir);
            }
            for (CheckpointInfo c : all) {
                out.printf("step %-8d %-12s %s %s%n", c.step(), c.bytes() + " B", c.createdAt(), c.parametersDigest());
            }
            return SpindleCli.OK;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Re-check every file of every checkpoint against its manifest; exit 1 if any is damaged.")
    static final class Verify implements Callable<Integer> {

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "RUN_DIR", description = "a run directory, checkpoint folder or URI")
        String dir;

        @Override
        public Integer call() throws Exception {
            List<VerifyResult> results = store(dir).verify();
            PrintWriter out = spec.commandLine().getOut();
            boolean allValid = true;
            for (VerifyResult r : results) {
                out.println("step " + r.step() + ": " + (r.valid() ? "ok" : "INVALID " + String.join("; ", r.problems())));
                allValid &= r.valid();
            }
            if (results.isEmpty()) {
                out.println("no checkpoint in " + dir);
            }
            return allValid ? SpindleCli.OK : SpindleCli.FAILED;
        }
    }
}

package dev.spindle.launcher.cli;

import dev.spindle.cluster.worker.WorkerMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code spindle worker --worker-id ... --coordinator host:port ...}: a worker process, as a worker pod runs it
 * (the image's one entrypoint is the {@code spindle} CLI). Hidden: people start workers through
 * {@code spindle train --workers N} or {@code spindle submit}; the options are {@link WorkerMain}'s, and its
 * exit codes come back unchanged (0 finished, 1 failed, 2 bad command line, 3 removed from the cluster).
 */
@Command(name = "worker", hidden = true,
        description = "Run one worker of a job (what a worker pod runs); options as dev.spindle.cluster.worker.WorkerMain.")
final class WorkerCommand implements Callable<Integer> {

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        return WorkerMain.run(args);
    }
}

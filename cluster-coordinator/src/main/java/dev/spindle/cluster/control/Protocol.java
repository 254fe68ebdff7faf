package dev.spindle.cluster.control;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.pekko.actor.typed.ActorRef;

/** The messages between {@link JobCoordinator} and {@link WorkerAgent} that cross the cluster (JSON). */
final class Protocol {

    private Protocol() {}

    /** To the coordinator. */
    interface ToCoordinator extends JobCoordinator.Command, ControlMessage {}

    /** To a worker's agent. */
    interface ToWorker extends ControlMessage {}

    /** Coordinator -> agent, after the Receptionist listed the agent: who are you, and where to report. */
    record Identify(ActorRef<JobCoordinator.Command> coordinator) implements ToWorker {}

    /** Agent -> coordinator: the answer to {@link Identify}; this is the registration. */
    record Hello(String workerId, String dataPlane, ActorRef<ToWorker> agent) implements ToCoordinator {}

    record Assign(Assignment assignment) implements ToWorker {}

    /** The generation is over (a member failed, the job grows): abort its collectives, await the next. */
    record GenerationEnded(long generation, String reason) implements ToWorker {}

    /** Stop after completing {@code step}: checkpoint there and report finished. */
    record StopAt(long generation, long step) implements ToWorker {}

    /** The job is over for this worker ({@code finished}: succeeded or stopped; else failed). */
    record Shutdown(boolean finished, String reason) implements ToWorker {}

    record Report(Progress progress) implements ToCoordinator {}

    /** Once per generation and rank, after its first step. */
    record Memory(RankMemory memory) implements ToCoordinator {}

    record Shard(long generation, int rank, long step, JsonNode receipt) implements ToCoordinator {}

    record Failure(long generation, int rank, String message) implements ToCoordinator {}

    record Finished(long generation, int rank, long step) implements ToCoordinator {}
}

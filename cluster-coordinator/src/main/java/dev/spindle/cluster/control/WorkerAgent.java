package dev.spindle.cluster.control;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * A worker's actor: registered with the Receptionist under {@link #KEY}, it answers the coordinator's
 * {@link Protocol.Identify} with the worker's id and data-plane address and hands everything the
 * coordinator sends to the {@link WorkerNode}'s blocking API. It never does work itself.
 */
final class WorkerAgent {

    /** The key every worker agent registers under; the coordinator subscribes to it. */
    static final ServiceKey<Protocol.ToWorker> KEY = ServiceKey.create(Protocol.ToWorker.class, "spindle-worker");

    private WorkerAgent() {}

    static Behavior<Protocol.ToWorker> create(String workerId, String dataPlane, WorkerNode.Inbox inbox) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
            return Behaviors.receive(Protocol.ToWorker.class)
                    .onMessage(Protocol.Identify.class, msg -> {
                        inbox.coordinator(msg.coordinator());
                        msg.coordinator().tell(new Protocol.Hello(workerId, dataPlane, ctx.getSelf()));
                        return Behaviors.same();
                    })
                    .onMessage(Protocol.Assign.class, msg -> {
                        inbox.assigned(msg.assignment());
                        return Behaviors.same();
                    })
                    .onMessage(Protocol.GenerationEnded.class, msg -> {
                        inbox.generationEnded(msg.generation(), msg.reason());
                        return Behaviors.same();
                    })
                    .onMessage(Protocol.StopAt.class, msg -> {
                        inbox.stopAt(msg.generation(), msg.step());
                        return Behaviors.same();
                    })
                    .onMessage(Protocol.Shutdown.class, msg -> {
                        inbox.ended(msg.finished() ? JobEndedException.Reason.FINISHED : JobEndedException.Reason.FAILED,
                                msg.reason());
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}

package dev.spindle.cluster.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spindle.checkpoint.CheckpointInfo;
import dev.spindle.cluster.dataplane.PeerAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The job's coordinator: a cluster singleton on role {@code coordinator}. It learns of workers through the
 * Receptionist, holds the gang rendezvous, assigns ranks per generation, downs failed workers and starts a
 * new generation (replacement, shrink to {@code minWorkers} after {@code rendezvousTimeout}, growth at a
 * checkpoint commit), commits checkpoints once every rank's shard is in, and writes the run's metrics and
 * events. Messages of an older generation are dropped.
 *
 * <p>A generation's world is always a multiple of the settings' model-parallel size (whole model replicas),
 * and workers on one host hold consecutive ranks ({@link RankOrder}).
 *
 * <p>State that must outlive a restart of this actor (the generation counter, the outcome) is owned by
 * {@link CoordinatorNode}; workers are rediscovered through the Receptionist after a restart.
 */
final class JobCoordinator extends AbstractBehavior<JobCoordinator.Command> {

    /** Everything the coordinator handles. */
    interface Command {}

    /** Graceful stop: every rank stops at one common step, checkpoints, commits. */
    enum RequestStop implements Command { INSTANCE }

    record ProcessExited(String workerId, int exitCode, boolean replaced) implements Command {}

    /** The launcher gives the job up (e.g. no restarts left while below minWorkers). */
    record Abort(String message) implements Command {}

    private record Listed(Set<ActorRef<Protocol.ToWorker>> agents) implements Command {}

    private record MemberChanged(ClusterEvent.MemberEvent event) implements Command {}

    private record Reachability(ClusterEvent.ReachabilityEvent event) implements Command {}

    /** Time to confirm that a member is still unreachable before it is downed. */
    static final Duration UNREACHABLE_CONFIRMATION = Duration.ofSeconds(2);

    private record ConfirmUnreachable(Address address) implements Command {}

    private record AgentGone(ActorRef<Protocol.ToWorker> agent) implements Command {}

    private record RendezvousDeadline(long token) implements Command {}

    private record CommitDone(long generation, long step, CheckpointInfo info, Throwable error) implements Command {}

    /** Steps of look-ahead for a stop request: ranks are within a step of each other, reports lag. */
    static final int STOP_MARGIN = 4;


    private record Worker(String id, String dataPlane, ActorRef<Protocol.ToWorker> agent, Address address) {

        String host() {
            try {
                return PeerAddress.parse(dataPlane).host();
            } catch (IllegalArgumentException e) {
                return dataPlane; // WorkerSettings checks the form; an odd one still groups with its equals
            }
        }
    }

    private final CoordinatorSettings settings;
    private final RunLog log;
    private final AtomicLong generations;
    private final CompletableFuture<JobOutcome> outcome;
    private final TimerScheduler<Command> timers;
    private final Executor blocking;

    private final Map<String, Worker> registered = new LinkedHashMap<>();
    private final Set<ActorRef<Protocol.ToWorker>> listed = new HashSet<>();
    private final Set<Address> downed = new HashSet<>();
    private Optional<CheckpointInfo> latest;

    private List<Worker> ranks = List.of();
    private boolean running;
    private boolean settling;
    private long deadlineToken;
    private String waitReason = "rendezvous";
    private boolean growPending;
    /** Workers the next gang waits for: the desired world, less the dead ones nobody will replace. */
    private int desired;
    /** Workers that exited and that nobody replaces. */
    private int lost;
    /** The generation counter when this coordinator started (a restarted job numbers on). */
    private long firstGeneration;
    private long finalStep;
    private boolean stopping;
    private long maxStepSeen;
    private final Map<Long, Map<Integer, JsonNode>> shards = new HashMap<>();
    private final Map<Integer, Long> finished = new HashMap<>();
    private StepProgress steps;
    /** The ranks of the current generation whose memory was logged. */
    private final Set<Integer> memoryLogged = new HashSet<>();
    private CompletableFuture<?> commits = CompletableFuture.completedFuture(null);
    /** Commits submitted whose CommitDone has not been handled yet. */
    private int commitsInFlight;
    /** A generation to start once the commits in flight are settled (size, reason), or null. */
    private Deferred deferred;

    private record Deferred(int size, String reason) {}

    static Behavior<Command> create(CoordinatorSettings settings, RunLog log, AtomicLong generations,
            CompletableFuture<JobOutcome> outcome, Optional<CheckpointInfo> latest) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(
                timers -> new JobCoordinator(ctx, settings, log, generations, outcome, latest, timers)));
    }

    private JobCoordinator(ActorContext<Command> ctx, CoordinatorSettings settings, RunLog log, AtomicLong generations,
            CompletableFuture<JobOutcome> outcome, Optional<CheckpointInfo> latest, TimerScheduler<Command> timers) {
        super(ctx);
        this.settings = settings;
        this.log = log;
        this.generations = generations;
        this.firstGeneration = generations.get();
        this.desired = settings.desiredWorkers();
        this.outcome = outcome;
        this.latest = latest;
        this.timers = timers;
        this.blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
        this.finalStep = settings.totalSteps();
        ctx.getSystem().receptionist().tell(Receptionist.subscribe(WorkerAgent.KEY,
                ctx.messageAdapter(Receptionist.Listing.class, l -> new Listed(l.getServiceInstances(WorkerAgent.KEY)))));
        Cluster cluster = Cluster.get(ctx.getSystem());
        cluster.subscriptions().tell(Subscribe.create(
                ctx.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new), ClusterEvent.MemberEvent.class));
        cluster.subscriptions().tell(Subscribe.create(
                ctx.messageAdapter(ClusterEvent.ReachabilityEvent.class, Reachability::new),
                ClusterEvent.ReachabilityEvent.class));
        armDeadline();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Listed.class, this::onListed)
                .onMessage(Protocol.Hello.class, this::onHello)
                .onMessage(MemberChanged.class, this::onMemberChanged)
                .onMessage(Reachability.class, this::onReachability)
                .onMessage(ConfirmUnreachable.class, this::onConfirmUnreachable)
                .onMessage(AgentGone.class, this::onAgentGone)
                .onMessage(ProcessExited.class, this::onProcessExited)
                .onMessage(RendezvousDeadline.class, this::onDeadline)
                .onMessage(Protocol.Report.class, this::onReport)
                .onMessage(Protocol.Memory.class, this::onMemory)
                .onMessage(Protocol.Shard.class, this::onShard)
                .onMessage(CommitDone.class, this::onCommitDone)
                .onMessage(Protocol.Failure.class, this::onFailure)
                .onMessage(Protocol.Finished.class, this::onFinished)
                .onMessage(RequestStop.class, this::onStop)
                .onMessage(Abort.class, this::onAbort)
                .build();
    }

    // ---- membership ------------------------------------------------------------------------------

    private Behavior<Command> onListed(Listed msg) {
        for (ActorRef<Protocol.ToWorker> agent : msg.agents()) {
            if (listed.add(agent)) {
                getContext().watchWith(agent, new AgentGone(agent));
                agent.tell(new Protocol.Identify(getContext().getSelf()));
            }
        }
        for (ActorRef<Protocol.ToWorker> gone : new ArrayList<>(listed)) {
            if (!msg.agents().contains(gone)) {
                listed.remove(gone);
                workerGone(byAgent(gone), "deregistered");
            }
        }
        return this;
    }

    private Behavior<Command> onHello(Protocol.Hello hello) {
        if (done() || downed.contains(hello.agent().path().address())) {
            return this;
        }
        Worker known = registered.get(hello.workerId());
        if (known != null && !known.agent().equals(hello.agent())) {
            getContext().getLog().warn("worker id {} registered twice ({} and {}); ignoring the second; give each"
                    + " worker process its own id", hello.workerId(), known.agent().path(), hello.agent().path());
            return this;
        }
        if (known != null) {
            return this;
        }
        Worker worker = new Worker(hello.workerId(), hello.dataPlane(), hello.agent(), addressOf(hello.agent()));
        registered.put(worker.id(), worker);
        log.event("worker-registered", "workerId", worker.id(), "dataPlane", worker.dataPlane(),
                "address", worker.address().toString(), "registered", registered.size());
        if (running) {
            if (settings.largestWorld(registered.size()) > ranks.size()) {
                growPending = true;
            }
        } else {
            settling = false;
            tryStart(false);
        }
        return this;
    }

    private Address addressOf(ActorRef<?> agent) {
        Address address = agent.path().address();
        return address.hasLocalScope() ? Cluster.get(getContext().getSystem()).selfMember().address() : address;
    }

    private Behavior<Command> onMemberChanged(MemberChanged msg) {
        Member member = msg.event().member();
        if (msg.event() instanceof ClusterEvent.MemberUp) {
            log.event("member-joined", "address", member.address().toString(), "roles", List.copyOf(member.getRoles()));
        } else if (msg.event() instanceof ClusterEvent.MemberRemoved) {
            workerGone(byAddress(member.address()), "removed from the cluster");
        }
        return this;
    }

    private Behavior<Command> onReachability(Reachability msg) {
        if (msg.event() instanceof ClusterEvent.UnreachableMember unreachable) {
            Member member = unreachable.member();
            if (member.hasRole(ClusterConfig.COORDINATOR_ROLE)) {
                return this;
            }
            log.event("member-unreachable", "address", member.address().toString());
            // A member cut off on one side only (it still sends, but hears nothing) reports the others as
            // unreachable too, until it is downed and removed. Such second-hand reports clear within a gossip
            // round or two, so a member is downed only if it is still unreachable a moment later.
            timers.startSingleTimer("unreachable-" + member.address(), new ConfirmUnreachable(member.address()),
                    UNREACHABLE_CONFIRMATION);
        } else if (msg.event() instanceof ClusterEvent.ReachableMember reachable) {
            timers.cancel("unreachable-" + reachable.member().address());
            log.event("member-reachable", "address", reachable.member().address().toString());
        }
        return this;
    }

    private Behavior<Command> onConfirmUnreachable(ConfirmUnreachable msg) {
        boolean still = Cluster.get(getContext().getSystem()).state().getUnreachable().stream()
                .anyMatch(m -> m.address().equals(msg.address()));
        if (still) {
            down(msg.address(), "unreachable");
            workerGone(byAddress(msg.address()), "unreachable");
        }
        return this;
    }

    private Behavior<Command> onAgentGone(AgentGone msg) {
        listed.remove(msg.agent());
        workerGone(byAgent(msg.agent()), "terminated");
        return this;
    }

    private Behavior<Command> onProcessExited(ProcessExited msg) {
        Worker worker = registered.get(msg.workerId());
        log.event("worker-exited", "workerId", msg.workerId(), "exitCode", msg.exitCode(), "replaced", msg.replaced());
        if (!msg.replaced() && worker != null) {
            // No replacement is coming: the next gang waits for the whole model replicas left (never below
            // minWorkers).
            lost++;
            desired = settings.desiredAfterLosses(lost);
        }
        if (worker != null) {
            down(worker.address(), "process exited with code " + msg.exitCode());
            workerGone(worker, "process exited with code " + msg.exitCode());
        }
        return this;
    }

    private void down(Address address, String reason) {
        if (downed.add(address)) {
            Cluster.get(getContext().getSystem()).manager().tell(new Down(address));
            log.event("member-downed", "address", address.toString(), "reason", reason);
        }
    }

    private Worker byAgent(ActorRef<Protocol.ToWorker> agent) {
        return registered.values().stream().filter(w -> w.agent().equals(agent)).findFirst().orElse(null);
    }

    private Worker byAddress(Address address) {
        return registered.values().stream().filter(w -> w.address().equals(address)).findFirst().orElse(null);
    }

    /** A registered worker is gone for good: forget it; if it held a rank, the generation ends. */
    private void workerGone(Worker worker, String reason) {
        if (worker == null || registered.remove(worker.id()) == null) {
            return;
        }
        getContext().getLog().info("worker {} gone: {}", worker.id(), reason);
        if (done()) {
            return;
        }
        if (running && ranks.contains(worker)) {
            endGeneration("worker " + worker.id() + " (rank " + ranks.indexOf(worker) + ") " + reason);
            waitForWorkers(false);
        } else if (!running) {
            settling = false;
            tryStart(false);
        }
    }

    // ---- generations -----------------------------------------------------------------------------

    private void armDeadline() {
        deadlineToken++;
        timers.startSingleTimer("rendezvous", new RendezvousDeadline(deadlineToken), settings.rendezvousTimeout());
    }

    private Behavior<Command> onDeadline(RendezvousDeadline msg) {
        if (msg.token() == deadlineToken && !running && !done()) {
            settling = false;
            if (!tryStart(true)) {
                getContext().getLog().info("rendezvous: {} workers registered of {} desired ({} minimum after a"
                        + " failure, in whole model replicas of {}); still waiting", registered.size(), desired,
                        settings.minWorkers(), settings.modelParallelSize());
                log.event("rendezvous-waiting", "registered", registered.size(), "desiredWorkers",
                        desired, "minWorkers", settings.minWorkers(), "modelParallelSize", settings.modelParallelSize());
                armDeadline();
            }
        }
        return this;
    }

    private void endGeneration(String reason) {
        long generation = generations.get();
        for (Worker w : ranks) {
            w.agent().tell(new Protocol.GenerationEnded(generation, reason));
        }
        running = false;
        waitReason = reason;
        ranks = List.of();
        shards.clear();
        finished.clear();
        getContext().getLog().info("generation {} ended: {}", generation, reason);
    }

    /** Waits for {@code desiredWorkers}, or after the rendezvous timeout for {@code minWorkers}. */
    private void waitForWorkers(boolean settle) {
        settling = settle;
        armDeadline();
        tryStart(false);
    }

    private boolean tryStart(boolean deadlinePassed) {
        if (running || done() || settling) {
            return false;
        }
        // Whole model replicas only: 7 workers of model-parallel size 4 form a world of 4.
        int world = settings.largestWorld(registered.size());
        // The first gang waits for every desired worker; after a failure, minWorkers is enough past the deadline.
        boolean shrinkAllowed = deadlinePassed && generations.get() > firstGeneration;
        if (world >= desired || (shrinkAllowed && world >= settings.minWorkers())) {
            startGeneration(world, waitReason);
            return true;
        }
        return false;
    }

    private void startGeneration(int size, String reason) {
        if (commitsInFlight > 0) {
            deferred = new Deferred(size, reason);
            getContext().getLog().info("generation of {} ranks waits for {} checkpoint commit(s) in flight", size,
                    commitsInFlight);
            return;
        }
        deferred = null;
        long generation = generations.incrementAndGet();
        timers.cancel("rendezvous");
        ranks = RankOrder.arrange(List.copyOf(registered.values()), Worker::host, size, settings.modelParallelSize());
        running = true;
        growPending = settings.largestWorld(registered.size()) > size;
        memoryLogged.clear();
        steps = new StepProgress(generation, ranks.stream().map(Worker::id).toList(), settings.straggler(), log);
        long restoreStep = latest.map(CheckpointInfo::step).orElse(-1L);
        String restoreFrom = latest.map(settings.checkpoints()::describe).orElse(null);
        log.event("generation-started", "generation", generation, "worldSize", size, "modelParallelSize",
                settings.modelParallelSize(), "restoreStep", restoreStep, "reason", reason);
        List<String> peers = ranks.stream().map(Worker::dataPlane).toList();
        for (int rank = 0; rank < size; rank++) {
            Worker w = ranks.get(rank);
            w.agent().tell(new Protocol.Assign(new Assignment(generation, rank, size, peers, restoreStep, restoreFrom,
                    settings.totalSteps())));
            log.event("assignment", "generation", generation, "rank", rank, "workerId", w.id());
            if (stopping) {
                w.agent().tell(new Protocol.StopAt(generation, finalStep));
            }
        }
    }

    private boolean current(long generation) {
        return running && generation == generations.get();
    }

    // ---- progress, shards, end -------------------------------------------------------------------

    private Behavior<Command> onReport(Protocol.Report msg) {
        Progress p = msg.progress();
        if (!current(p.generation()) || p.rank() >= ranks.size()) {
            return this;
        }
        maxStepSeen = Math.max(maxStepSeen, p.step());
        steps.report(p);
        return this;
    }

    /** One {@code rank-memory} event per rank and generation. */
    private Behavior<Command> onMemory(Protocol.Memory msg) {
        RankMemory m = msg.memory();
        if (!current(m.generation()) || m.rank() >= ranks.size() || !memoryLogged.add(m.rank())) {
            return this;
        }
        log.event("rank-memory", "generation", m.generation(), "rank", m.rank(), "workerId", ranks.get(m.rank()).id(),
                "data", m.data(), "tensor", m.tensor(), "pipeline", m.pipeline(), "step", m.step(),
                "parameterBytes", m.parameterBytes(), "gradientBytes", m.gradientBytes(),
                "optimizerBytes", m.optimizerBytes(), "peakActivationBytes", m.peakActivationBytes(),
                "peakMicroBatches", m.peakMicroBatches(), "totalBytes", m.totalBytes());
        return this;
    }

    private Behavior<Command> onShard(Protocol.Shard msg) {
        if (!current(msg.generation()) || msg.rank() >= ranks.size()) {
            return this;
        }
        Map<Integer, JsonNode> step = shards.computeIfAbsent(msg.step(), s -> new TreeMap<>());
        step.put(msg.rank(), msg.receipt());
        if (step.size() == ranks.size()) {
            shards.remove(msg.step());
            List<JsonNode> receipts = List.copyOf(step.values());
            long generation = msg.generation();
            long at = msg.step();
            CheckpointCommitter committer = settings.checkpoints();
            // One commit at a time, in step order: the store's manifest/latest/retention are not concurrent.
            CompletableFuture<CheckpointInfo> commit = commits.handle((ignored, error) -> null).thenApplyAsync(ignored -> {
                try {
                    return committer.commit(at, receipts);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, blocking);
            commits = commit;
            commitsInFlight++;
            getContext().pipeToSelf(commit, (info, error) -> new CommitDone(generation, at, info, error));
        }
        return this;
    }

    private Behavior<Command> onCommitDone(CommitDone msg) {
        commitsInFlight--;
        try {
            return commitDone(msg);
        } finally {
            startDeferred();
        }
    }

    /**
     * A new generation restores the newest committed checkpoint, so it must not start while a commit of the
     * generation before is still being written: that commit would land after the new ranks restored an older
     * step, and they would then find the step they checkpoint already committed.
     */
    private void startDeferred() {
        if (commitsInFlight > 0 || deferred == null) {
            return;
        }
        Deferred start = deferred;
        deferred = null;
        if (running || done()) {
            return;
        }
        if (registered.size() >= start.size()) {
            startGeneration(start.size(), start.reason());
        } else {
            waitForWorkers(false);
        }
    }

    private Behavior<Command> commitDone(CommitDone msg) {
        if (msg.error() != null) {
            Throwable cause = msg.error() instanceof java.util.concurrent.CompletionException && msg.error().getCause() != null
                    ? msg.error().getCause() : msg.error();
            Throwable reason = cause instanceof java.io.UncheckedIOException && cause.getCause() != null ? cause.getCause() : cause;
            log.event("commit-refused", "generation", msg.generation(), "step", msg.step(), "message",
                    String.valueOf(reason.getMessage()));
            if (String.valueOf(reason.getMessage()).contains("replicas diverged")) {
                log.event("replicas-diverged", "generation", msg.generation(), "step", msg.step(), "message",
                        reason.getMessage());
            }
            getContext().getLog().error("checkpoint of step {} not committed: {}", msg.step(), reason.getMessage());
            if (msg.step() == finalStep && !done()) {
                fail("the final checkpoint (step " + msg.step() + ") was refused: " + reason.getMessage());
            }
            return this;
        }
        if (latest.isEmpty() || latest.get().step() < msg.info().step()) {
            latest = Optional.of(msg.info());
        }
        log.event("checkpoint-committed", "generation", msg.generation(), "step", msg.step(),
                "directory", settings.checkpoints().describe(msg.info()));
        if (checkFinished()) {
            return this;
        }
        int grown = settings.largestWorld(registered.size());
        if (growPending && current(msg.generation()) && msg.step() < finalStep && grown > ranks.size()) {
            endGeneration("grow to " + grown + " workers");
            startGeneration(grown, "grow");
        }
        return this;
    }

    private Behavior<Command> onFailure(Protocol.Failure msg) {
        if (!current(msg.generation())) {
            return this;
        }
        log.event("worker-failed", "generation", msg.generation(), "rank", msg.rank(), "message", msg.message());
        endGeneration("rank " + msg.rank() + " failed: " + msg.message());
        // The failed peer may not be known yet: wait for a membership change or the rendezvous timeout.
        waitForWorkers(true);
        return this;
    }

    private Behavior<Command> onFinished(Protocol.Finished msg) {
        if (!current(msg.generation())) {
            return this;
        }
        finished.put(msg.rank(), msg.step());
        checkFinished();
        return this;
    }

    private boolean checkFinished() {
        if (done() || !running || finished.size() != ranks.size()) {
            return false;
        }
        long target = finalStep;
        if (stopping) {
            // The ranks agree among themselves on the step they stop at (through the data plane), which may be
            // past the stop step asked for when their reports were behind: take theirs when all say the same.
            java.util.Set<Long> stoppedAt = new java.util.HashSet<>(finished.values());
            if (stoppedAt.size() != 1) {
                return false;
            }
            target = stoppedAt.iterator().next();
        }
        long at = target;
        if (finished.values().stream().anyMatch(step -> step != at)
                || latest.map(CheckpointInfo::step).orElse(-1L) != at) {
            return false;
        }
        finalStep = at;
        String message = stopping ? "stopped on request at step " + finalStep + " (checkpoint committed)"
                : "finished " + finalStep + " steps";
        log.event("job-finished", "step", finalStep, "generations", generations.get(), "message", message);
        shutdownWorkers(true, message);
        outcome.complete(new JobOutcome(true, finalStep, message, generations.get()));
        return true;
    }

    private Behavior<Command> onStop(RequestStop stop) {
        if (done() || stopping) {
            return this;
        }
        stopping = true;
        if (running) {
            long restored = latest.map(CheckpointInfo::step).orElse(0L);
            finalStep = Math.min(settings.totalSteps(), Math.max(maxStepSeen, restored) + STOP_MARGIN);
            log.event("stop-requested", "generation", generations.get(), "stopStep", finalStep);
            for (Worker w : ranks) {
                w.agent().tell(new Protocol.StopAt(generations.get(), finalStep));
            }
            checkFinished();
        } else {
            fail("stopped on request while waiting for workers (" + registered.size() + " registered)");
        }
        return this;
    }

    private Behavior<Command> onAbort(Abort msg) {
        if (!done()) {
            if (running) {
                endGeneration(msg.message());
            }
            fail(msg.message());
        }
        return this;
    }

    private void fail(String message) {
        long step = latest.map(CheckpointInfo::step).orElse(-1L);
        log.event("job-failed", "message", message, "newestCheckpoint", step);
        shutdownWorkers(false, message);
        outcome.complete(new JobOutcome(false, step, message, generations.get()));
    }

    private void shutdownWorkers(boolean succeeded, String message) {
        running = false;
        timers.cancel("rendezvous");
        for (Worker w : registered.values()) {
            w.agent().tell(new Protocol.Shutdown(succeeded, message));
        }
    }

    private boolean done() {
        return outcome.isDone();
    }

    /** How long the coordinator waits after the job ends for workers to read their Shutdown. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(2);
}

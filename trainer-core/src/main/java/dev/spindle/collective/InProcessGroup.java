package dev.spindle.collective;

import java.nio.Buffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The state the ranks of one in-process group share: a meeting point and a mailbox per ordered pair.
 * The sub-groups made from it ({@link #subGroup}) are groups of their own, one per member list, and
 * share one {@link Fault} with it: a rank that times out or is interrupted anywhere breaks them all.
 */
final class InProcessGroup {

    /** The broken state of a world group and every sub-group made from it. */
    static final class Fault {
        private final List<InProcessGroup> groups = new CopyOnWriteArrayList<>();
        private volatile String reason;

        String reason() {
            return reason;
        }

        /** Records the first reason and wakes every rank waiting at a meeting of any group of the tree. */
        void breakAll(String why) {
            synchronized (this) {
                if (reason != null) {
                    return;
                }
                reason = why;
            }
            for (InProcessGroup group : groups) {
                group.barrier.reset();
            }
        }
    }

    /** How often a rank waiting for a message looks whether the group broke meanwhile. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** What one rank asked for; the meeting checks that all ranks asked for the same thing. */
    record Call(String name, Buffer input, Buffer output, ReduceOp op, int root) {

        static Call of(String name, Buffer input, Buffer output, ReduceOp op, int root) {
            return new Call(name, input, output, op, root);
        }

        int inputSize() {
            return input == null ? 0 : input.remaining();
        }

        int outputSize() {
            return output == null ? 0 : output.remaining();
        }
    }

    private final int size;
    private final Duration timeout;
    private final long timeoutNanos;
    private final Fault fault;
    /** The sub-groups made from this one, by member list: the first member to ask makes it. */
    private final Map<List<Integer>, InProcessGroup> subGroups = new ConcurrentHashMap<>();
    private final Call[] calls;
    private final CyclicBarrier barrier;
    /** The messages from rank {@code f} to rank {@code t} queue at index {@code f * size + t}. */
    private final List<LinkedBlockingQueue<byte[]>> mailboxes;
    /** Written by the barrier action, read after the barrier: the barrier orders both. */
    private String disagreement;
    private Call[] agreed;
    private float[] scratch;

    InProcessGroup(int size, Duration timeout) {
        this(size, timeout, new Fault());
    }

    private InProcessGroup(int size, Duration timeout, Fault fault) {
        this.size = size;
        this.timeout = timeout;
        this.timeoutNanos = timeout.toNanos();
        this.fault = fault;
        this.calls = new Call[size];
        this.barrier = new CyclicBarrier(size, this::check);
        List<LinkedBlockingQueue<byte[]>> queues = new ArrayList<>(size * size);
        for (int pair = 0; pair < size * size; pair++) {
            queues.add(new LinkedBlockingQueue<>());
        }
        this.mailboxes = List.copyOf(queues);
        fault.groups.add(this);
    }

    /** The group of the ranks {@code members} (checked by the caller), shared by every member that asks for it. */
    InProcessGroup subGroup(int[] members) {
        List<Integer> key = Arrays.stream(members).boxed().toList();
        return subGroups.computeIfAbsent(key, k -> new InProcessGroup(k.size(), timeout, fault));
    }

    int size() {
        return size;
    }

    /** The result array the last meeting allocated for an all-reduce. */
    float[] scratch() {
        return scratch;
    }

    /**
     * Deposits {@code call}, waits for every rank, and returns all ranks' calls in rank order.
     *
     * @throws IllegalArgumentException on every rank if the calls disagree
     */
    Call[] meet(int rank, Call call) {
        calls[rank] = call;
        await(call.name(), rank);
        if (disagreement != null) {
            throw new IllegalArgumentException(disagreement);
        }
        return agreed;
    }

    void await(String collective, int rank) {
        checkNotBroken(collective, rank);
        try {
            barrier.await(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw breakAll("the group is broken: rank " + rank + " waited " + timeout + " in " + collective
                    + " for its peers", e);
        } catch (BrokenBarrierException e) {
            String reason = fault.reason();
            throw new IllegalStateException(collective + " on rank " + rank + ": "
                    + (reason != null ? reason : "another rank left the group"), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw breakAll("the group is broken: rank " + rank + " was interrupted in " + collective, e);
        }
    }

    void checkNotBroken(String what, int rank) {
        String reason = fault.reason();
        if (reason != null) {
            throw new IllegalStateException(what + " on rank " + rank + ": " + reason);
        }
    }

    private IllegalStateException breakAll(String reason, Exception cause) {
        fault.breakAll(reason);
        return new IllegalStateException(reason, cause);
    }

    void checkPeer(int peer, String what) {
        if (peer < 0 || peer >= size) {
            throw new IllegalArgumentException(what + " " + peer + " does not exist in a group of " + size
                    + " ranks (0.." + (size - 1) + ")");
        }
    }

    void post(int from, int to, byte[] message) {
        mailboxes.get(from * size + to).add(message);
    }

    byte[] take(int from, int to) {
        LinkedBlockingQueue<byte[]> mailbox = mailboxes.get(from * size + to);
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            while (true) {
                // In slices, so a group broken elsewhere in the tree fails this wait too.
                checkNotBroken("recv from rank " + from, to);
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("rank " + to + " waited " + timeout + " for a message from rank "
                            + from + "; did rank " + from + " call send?");
                }
                byte[] message = mailbox.poll(Math.min(left, POLL_NANOS), TimeUnit.NANOSECONDS);
                if (message != null) {
                    return message;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("rank " + to + " was interrupted waiting for rank " + from, e);
        }
    }

    /** Runs once per meeting, on the last rank to arrive, before any rank proceeds. */
    private void check() {
        // A copy, because a fast rank may deposit its next call while slower ones still read this meeting's.
        agreed = calls.clone();
        disagreement = disagreement(agreed);
        Call first = calls[0];
        scratch = disagreement == null && first.name().equals("allReduce") ? new float[first.inputSize()] : null;
    }

    private String disagreement(Call[] all) {
        Call first = all[0];
        for (Call call : all) {
            if (!call.name().equals(first.name())) {
                return "ranks called different collectives: " + describe(all, c -> c.name());
            }
            if (call.op() != first.op() || call.root() != first.root()) {
                return first.name() + " needs the same operation and root on every rank, got "
                        + describe(all, c -> c.op() + "/root " + c.root());
            }
            if (call.inputSize() != first.inputSize()) {
                return first.name() + " needs the same number of elements on every rank, got "
                        + describe(all, c -> String.valueOf(c.inputSize()));
            }
        }
        int in = first.inputSize();
        switch (first.name()) {
            case "reduceScatter" -> {
                if (in % size != 0) {
                    return "reduceScatter input of " + in + " floats does not split into " + size + " equal chunks";
                }
                return outputMismatch(all, in / size);
            }
            case "allGather" -> {
                return outputMismatch(all, (long) in * size);
            }
            default -> {
                return null;
            }
        }
    }

    private String outputMismatch(Call[] all, long expected) {
        for (Call call : all) {
            if (call.outputSize() != expected) {
                return calls[0].name() + " of " + calls[0].inputSize() + " floats on " + size + " ranks needs an"
                        + " output of " + expected + " floats on every rank, got "
                        + describe(all, c -> String.valueOf(c.outputSize()));
            }
        }
        return null;
    }

    private static String describe(Call[] all, java.util.function.Function<Call, String> field) {
        return Arrays.stream(all).map(field).toList() + " (by rank)";
    }
}

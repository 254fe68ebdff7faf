package dev.spindle.cluster.control;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Which registered workers hold the ranks of a generation, and in what order: workers on one host get
 * consecutive ranks, so that the tensor-parallel groups of a mesh (consecutive ranks, {@code r = p·D·T + d·T + t})
 * stay on one node and talk over its fast links.
 *
 * <p>Ranks are handed out in blocks of {@code block} (the model-parallel size): first every whole block a host
 * can fill on its own, host by host, then the rest of the world from the hosts' left-over workers, again host by
 * host. A block starts at a multiple of {@code block}, so a block filled by one host keeps each tensor group of it
 * (T consecutive ranks, T dividing the block) on that host. Hosts are taken in the order their first worker
 * registered and each host's workers in registration order, so with one host (every worker on 127.0.0.1) or with
 * {@code block} 1 and one worker per host the order is the registration order.
 *
 * <pre>{@code
 * // registered: a1@hostA, b1@hostB, a2@hostA, b2@hostB; model-parallel size 2
 * List<Worker> ranks = RankOrder.arrange(registered, Worker::host, 4, 2);   // a1, a2, b1, b2
 * }</pre>
 */
final class RankOrder {

    private RankOrder() {}

    /**
     * The {@code size} workers of {@code registered} that form the world, by rank.
     *
     * @param registered the workers present, in registration order
     * @param host the host a worker runs on
     * @param size the world size, a multiple of {@code block}, at most {@code registered.size()}
     * @param block the model-parallel size: ranks come in blocks of it
     */
    static <W> List<W> arrange(List<W> registered, Function<? super W, String> host, int size, int block) {
        if (block < 1 || size < 0 || size % block != 0 || size > registered.size()) {
            throw new IllegalArgumentException("a world of " + size + " ranks in blocks of " + block + " from "
                    + registered.size() + " workers: expected a multiple of the block, at most the workers present");
        }
        Map<String, List<W>> byHost = new LinkedHashMap<>();
        for (W worker : registered) {
            byHost.computeIfAbsent(host.apply(worker), h -> new ArrayList<>()).add(worker);
        }
        List<W> ranks = new ArrayList<>(size);
        List<List<W>> leftOvers = new ArrayList<>();
        for (List<W> workers : byHost.values()) {
            int whole = Math.min(workers.size() / block, (size - ranks.size()) / block) * block;
            ranks.addAll(workers.subList(0, whole));
            leftOvers.add(workers.subList(whole, workers.size()));
        }
        for (List<W> workers : leftOvers) {
            ranks.addAll(workers.subList(0, Math.min(workers.size(), size - ranks.size())));
        }
        return List.copyOf(ranks);
    }
}

package dev.spindle.launcher.kube;

import java.util.Objects;

/**
 * One pod of a job as the API server has it.
 *
 * @param name pod name
 * @param component {@code coordinator} or {@code worker} (the pod's {@code app.kubernetes.io/component})
 * @param node the node it was scheduled to, or empty while unscheduled
 * @param phase the pod phase: Pending, Running, Succeeded, Failed or Unknown
 * @param reason why it is in that phase (e.g. a container's termination reason), or empty
 */
public record PodState(String name, String component, String node, String phase, String reason) {

    public PodState {
        Objects.requireNonNull(name, "name");
        component = component == null ? "" : component;
        node = node == null ? "" : node;
        phase = phase == null || phase.isEmpty() ? "Pending" : phase;
        reason = reason == null ? "" : reason;
    }

    public boolean scheduled() {
        return !node.isEmpty();
    }

    public boolean running() {
        return "Running".equals(phase);
    }

    public boolean failed() {
        return "Failed".equals(phase);
    }

    public boolean worker() {
        return "worker".equals(component);
    }
}

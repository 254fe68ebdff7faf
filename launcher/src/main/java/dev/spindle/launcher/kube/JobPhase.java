package dev.spindle.launcher.kube;

/** Where a submitted job is, computed from its Kubernetes Jobs, its pods and the coordinator's status.json. */
public enum JobPhase {
    /** Objects exist; pods are waiting to be scheduled or started, or the coordinator has not reported yet. */
    PENDING,
    /** The coordinator is waiting for the workers to join (the gang is not complete). */
    FORMING,
    /** The gang formed and is training. */
    RUNNING,
    /** Training finished. */
    SUCCEEDED,
    /** The coordinator, a Kubernetes Job or the restart budget gave up; {@code spindle resume} continues it. */
    FAILED,
    /** Cancelled: the root ConfigMap is being deleted and its owned objects with it. */
    DELETING;

    /** Whether the job still runs (or may still run): submit and resume refuse to replace it. */
    public boolean active() {
        return this == PENDING || this == FORMING || this == RUNNING;
    }

    /** The word users read, e.g. {@code Running}. */
    public String word() {
        return name().charAt(0) + name().substring(1).toLowerCase(java.util.Locale.ROOT);
    }
}

package dev.spindle.launcher.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;

/**
 * How rendered objects reach the cluster. In production: server-side apply with field manager
 * {@value #FIELD_MANAGER} and forced conflicts, so that a re-submit of the same job changes nothing and
 * the launcher owns the fields it renders. fabric8's mock server does not implement server-side apply,
 * so the fast unit tests use {@link #createOrUpdate()}; the integration tests on a real API server use
 * {@link #serverSide()}.
 */
@FunctionalInterface
interface Applier {

    /** The field manager recorded in {@code managedFields} for everything the launcher applies. */
    String FIELD_MANAGER = "spindle";

    /** Applies {@code resource} in {@code namespace} and returns it as the server stored it. */
    <T extends HasMetadata> T apply(KubernetesClient client, String namespace, T resource);

    /** Server-side apply (PATCH application/apply-patch+yaml), forcing conflicts: what {@code spindle submit} uses. */
    static Applier serverSide() {
        return new Applier() {
            @Override
            public <T extends HasMetadata> T apply(KubernetesClient client, String namespace, T resource) {
                return client.resource(resource).inNamespace(namespace)
                        .fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
            }
        };
    }

    /** Create, or update what exists: for servers without server-side apply (fabric8's mock server). */
    static Applier createOrUpdate() {
        return new Applier() {
            @Override
            public <T extends HasMetadata> T apply(KubernetesClient client, String namespace, T resource) {
                return client.resource(resource).inNamespace(namespace).createOr(NonDeletingOperation::update);
            }
        };
    }
}

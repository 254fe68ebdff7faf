package dev.spindle.launcher.kube.render;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a rendering needs beyond the job spec: where, for which server, with which secret and owner.
 *
 * <pre>{@code
 * RenderOptions review = RenderOptions.defaults("ml-training");          // spindle render
 * RenderOptions apply = review.withSecret(ClusterSecret.generate())      // spindle submit
 *         .withOwnerUid(rootUid).withPolicyV1(serverHasPolicyV1);
 * }</pre>
 *
 * @param namespace the namespace of every object, or {@code null} for {@code spec.kubernetes.namespace}
 *     (and none at all when that is unset too)
 * @param policyV1 PodDisruptionBudget as {@code policy/v1} (Kubernetes 1.21+), else {@code policy/v1beta1}
 * @param secret the cluster secret to put in the Secret; empty renders the Secret without data
 * @param ownerUid the uid of the applied root ConfigMap; every other object then names it as its owner
 * @param resume the coordinator starts from the newest committed checkpoint ({@code --resume})
 */
public record RenderOptions(String namespace, boolean policyV1, Optional<ClusterSecret> secret,
                            Optional<String> ownerUid, boolean resume) {

    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    /** @throws IllegalArgumentException for a namespace Kubernetes would not take */
    public RenderOptions {
        if (namespace != null && !NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("namespace: got '" + namespace + "', expected a DNS-1123 label"
                    + " (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63"
                    + " characters)");
        }
        Objects.requireNonNull(secret, "secret (Optional.empty() for none)");
        Objects.requireNonNull(ownerUid, "ownerUid (Optional.empty() for none)");
    }

    /** policy/v1, no secret, no owner, a fresh start. */
    public static RenderOptions defaults(String namespace) {
        return new RenderOptions(namespace, true, Optional.empty(), Optional.empty(), false);
    }

    public RenderOptions withNamespace(String newNamespace) {
        return new RenderOptions(newNamespace, policyV1, secret, ownerUid, resume);
    }

    public RenderOptions withPolicyV1(boolean newPolicyV1) {
        return new RenderOptions(namespace, newPolicyV1, secret, ownerUid, resume);
    }

    public RenderOptions withSecret(ClusterSecret newSecret) {
        return new RenderOptions(namespace, policyV1, Optional.of(newSecret), ownerUid, resume);
    }

    public RenderOptions withOwnerUid(String newOwnerUid) {
        return new RenderOptions(namespace, policyV1, secret, Optional.of(newOwnerUid), resume);
    }

    public RenderOptions withResume(boolean newResume) {
        return new RenderOptions(namespace, policyV1, secret, ownerUid, newResume);
    }
}

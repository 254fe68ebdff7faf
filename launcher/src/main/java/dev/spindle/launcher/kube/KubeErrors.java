package dev.spindle.launcher.kube;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.TimeoutException;

/**
 * Turns fabric8's exceptions into one clear line each: an unreachable API server, rejected credentials
 * (401), a permission denied by RBAC (403, naming the verb, resource and namespace), a missing namespace,
 * and anything else the server refused (with its own message).
 */
final class KubeErrors {

    private KubeErrors() {}

    /**
     * The exception to throw for {@code e}, which happened while doing {@code what} (e.g. "applying
     * ConfigMap gpt-job") against the API server at {@code server}.
     */
    static KubeException translate(KubernetesClientException e, String what, String server) {
        int code = e.getCode();
        String status = serverMessage(e);
        if (code == 0 || code == -1) {
            Throwable network = networkCause(e);
            if (network != null) {
                return new KubeException("cannot reach the Kubernetes API server at " + server + " ("
                        + describe(network) + "): check that the cluster is running and that --context/--kubeconfig"
                        + " point at it", e);
            }
        }
        if (code == 401) {
            return new KubeException("the Kubernetes API server at " + server + " rejected the credentials (401"
                    + " Unauthorized) while " + what + ": they are missing, invalid or expired; refresh them (e.g. az aks"
                    + " get-credentials, kubelogin) or choose another --context", e);
        }
        if (code == 403) {
            String denied = status.contains("forbidden: ") ? status.substring(status.indexOf("forbidden: ") + 11) : status;
            return new KubeException("permission denied (403) while " + what + ": " + denied
                    + "; ask a cluster admin for a Role that allows it, or use another --context", e);
        }
        if (code == 404 && isMissingNamespace(e)) {
            return new KubeException("namespace '" + e.getNamespace() + "' does not exist (while " + what + "): create it"
                    + " (kubectl create namespace " + e.getNamespace() + ") or choose another with --namespace", e);
        }
        if (code == 422 && status.contains("field is immutable")) {
            return new KubeException(what + ": " + status + "; a Kubernetes Job cannot change its pods while it exists:"
                    + " cancel the job and resume it, or submit it under another name", e);
        }
        return new KubeException(what + " failed" + (code > 0 ? " (HTTP " + code + ")" : "") + ": "
                + (status.isEmpty() ? describe(e) : status), e);
    }

    /** The server's own words, when it sent a Status. */
    private static String serverMessage(KubernetesClientException e) {
        Status status = e.getStatus();
        return status != null && status.getMessage() != null ? status.getMessage() : "";
    }

    private static boolean isMissingNamespace(KubernetesClientException e) {
        Status status = e.getStatus();
        return status != null && status.getDetails() != null && "namespaces".equals(status.getDetails().getKind());
    }

    /** The network failure under fabric8's wrapping, if that is what this was. */
    private static Throwable networkCause(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ConnectException || c instanceof UnknownHostException || c instanceof HttpTimeoutException
                    || c instanceof TimeoutException || (c instanceof IOException && c.getMessage() != null
                    && c.getMessage().toLowerCase(java.util.Locale.ROOT).contains("connection refused"))) {
                return c;
            }
        }
        return null;
    }

    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank() && text.indexOf(c.getMessage()) < 0) {
                text.append(text.length() == 0 ? "" : ": ").append(c.getMessage());
            }
        }
        return text.length() == 0 ? e.getClass().getSimpleName() : text.toString();
    }
}

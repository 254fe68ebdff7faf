package dev.spindle.launcher.kube;

/**
 * The Kubernetes API could not be used as needed: unreachable, credentials rejected, permission denied,
 * a namespace or job that does not exist, an object the server refused. The message is one line that
 * says what happened and what to do; the cause is kept for {@code -Dspindle.debug=true}.
 */
public final class KubeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public KubeException(String message) {
        super(message);
    }

    public KubeException(String message, Throwable cause) {
        super(message, cause);
    }
}

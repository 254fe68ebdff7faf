/**
 * A job's Kubernetes objects from its spec: {@link dev.spindle.launcher.kube.render.JobResources#render}
 * builds them from the Kustomize files of {@code manifests/} (carried in the launcher jar) as
 * {@code kubectl kustomize manifests/jobs/<type>} would, and fills in the job; {@code spindle render} prints
 * them, {@code spindle submit} applies them. {@link dev.spindle.launcher.kube.render.JobNames} holds the
 * names and labels the submitter, the pods and the manifests share.
 */
package dev.spindle.launcher.kube.render;

/**
 * What admits a process to a job: the per-job {@link dev.spindle.cluster.security.JobSecret} and the TLS
 * material made from it for Pekko Artery ({@link dev.spindle.cluster.security.TlsMaterial}).
 */
package dev.spindle.cluster.security;

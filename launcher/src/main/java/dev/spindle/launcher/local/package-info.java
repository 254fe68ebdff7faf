/**
 * Local mode's processes: {@link dev.spindle.launcher.local.JavaProcess} describes a child JVM that runs like
 * the launcher (class path, JVM flags, environment, a libtorch thread share), and
 * {@link dev.spindle.launcher.local.WorkerProcesses} supervises a job's worker JVMs (output with a rank
 * prefix, pid files, exit reports, replacement, SIGTERM then SIGKILL on stop or Ctrl-C).
 */
package dev.spindle.launcher.local;

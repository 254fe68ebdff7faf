package dev.spindle.cluster.control;

/**
 * Marker of every message that crosses the job cluster between the coordinator and the workers;
 * {@code spindle-cluster.conf} binds it to Pekko's Jackson JSON serializer, so each message is a plain
 * Java record.
 *
 * <pre>{@code
 * record Progress(long generation, int rank, long step, ...) implements ControlMessage {}
 * }</pre>
 */
public interface ControlMessage {}

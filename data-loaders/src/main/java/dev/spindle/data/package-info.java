/**
 * Data loaders: Arrow IPC datasets read through Hadoop's {@code FileSystem}, sharded by record batch
 * across data-parallel ranks, shuffled with a seeded windowed shuffle, prefetched on a daemon thread and
 * resumable from a small JSON cursor. The front door is {@link dev.spindle.data.DataLoaders}; the user
 * guide is {@code docs/data.md}.
 */
package dev.spindle.data;

/**
 * Data loaders: Arrow IPC and Parquet datasets read through Hadoop's {@code FileSystem} (one
 * {@code DatasetFormat} per format, in a registry that refuses duplicate names and extensions), sharded by
 * unit (record batch, row group) across data-parallel ranks, shuffled with a seeded windowed shuffle,
 * prefetched on a daemon thread within a batch and a byte bound, resumable from a small JSON cursor, and
 * logged file by file in an {@link dev.spindle.data.IngestionLog}. The front door is
 * {@link dev.spindle.data.DataLoaders}; the user guide is {@code docs/data.md}.
 */
package dev.spindle.data;

/**
 * Remote storage for datasets and checkpoints: Azure Data Lake Storage through hadoop-azure's ABFS driver
 * ({@code abfs://}, {@code abfss://}), configured from the pod's environment (credentials in the order a
 * user on AKS expects, tuned read settings), transient-error retries, and the Hadoop implementation of
 * trainer-core's {@code CheckpointStorage}. The front door is {@link dev.spindle.data.storage.Storage}.
 */
package dev.spindle.data.storage;

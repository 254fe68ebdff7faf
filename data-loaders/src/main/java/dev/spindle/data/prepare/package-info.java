/**
 * Turning raw text into token datasets (Arrow or Parquet, on any Hadoop FileSystem URI) that the loaders read:
 * {@link dev.spindle.data.prepare.TextDatasetPreparer}
 * with the byte-level {@link dev.spindle.data.prepare.ByteTokenizer}.
 */
package dev.spindle.data.prepare;

/**
 * Optimizers with explicit, name-keyed state (so checkpoints resume bit for bit), learning-rate
 * schedules and global-norm gradient clipping. Updates switch libtorch grad mode off while they
 * write and restore it after, so they work on a thread with an open GradientCollector too.
 */
package dev.spindle.optim;

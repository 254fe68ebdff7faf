/**
 * GPT-2 style decoder-only transformer ({@link dev.spindle.model.gpt.Gpt}), its configuration and
 * autoregressive sampling. Parameter names and layouts are GPT-2's, so Hugging Face files load
 * unchanged through {@link dev.spindle.model.WeightLoader}.
 */
package dev.spindle.model.gpt;

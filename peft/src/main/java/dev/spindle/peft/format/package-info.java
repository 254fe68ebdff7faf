/**
 * Adapters on disk in the Hugging Face PEFT layout ({@code adapter_config.json},
 * {@code adapter_model.safetensors}) and Spindle's {@code spindle-adapter.json} beside them.
 */
package dev.spindle.peft.format;

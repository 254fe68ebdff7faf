/**
 * LoRA on a model's named linear layers: which modules to adapt ({@link dev.spindle.peft.lora.TargetMatcher}),
 * the adapter that registers {@code lora_A}/{@code lora_B} parameters and freezes the base
 * ({@link dev.spindle.peft.lora.LoraAdapter}), and merging an adapter into base weights.
 */
package dev.spindle.peft.lora;

/**
 * Parameter-efficient fine-tuning: LoRA on named linear layers, adapters in the Hugging Face PEFT
 * layout, and adapter versions as OCI images.
 */
package dev.spindle.peft;

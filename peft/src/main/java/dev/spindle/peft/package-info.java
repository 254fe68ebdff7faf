/**
 * Parameter-efficient fine-tuning: LoRA on named linear layers and adapter versions as OCI images.
 * Reserved for the fine-tuning work; it holds no code yet.
 */
package dev.spindle.peft;

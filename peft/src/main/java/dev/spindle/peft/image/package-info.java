/**
 * Adapter versions as OCI images. {@link dev.spindle.peft.image.AdapterImages} is the front door: push,
 * pull, list, inspect and diff adapters in a local OCI image layout ({@code oci-layout:<dir>:<tag>}) or
 * any OCI registry ({@code <registry>/<repository>:<tag>}). One reproducible layer holds
 * {@code /data/adapter_config.json} and {@code /data/adapter_model.safetensors}; labels and annotations
 * carry the adapter's lineage ({@link dev.spindle.peft.image.AdapterLabels}). See docs/adapters.md.
 */
package dev.spindle.peft.image;

package dev.spindle.spec;

/**
 * What a run publishes besides its run directory. Today: where the adapter a LoRA run writes is
 * pushed as an OCI image.
 *
 * <pre>{@code
 * OutputSpec out = new OutputSpec(new AdapterOutputSpec("oci-layout:adapters:v1"));
 * }</pre>
 *
 * @param adapter the adapter's destination, or {@code null}
 */
public record OutputSpec(AdapterOutputSpec adapter) {

    static final String PATH = "spec.output";
}

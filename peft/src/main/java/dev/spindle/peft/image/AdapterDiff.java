package dev.spindle.peft.image;

import java.util.List;
import java.util.Objects;

/**
 * How two adapter versions differ: their {@code adapter_config.json} fields, their metrics, and the
 * L2 norm of each weight tensor in both and of their difference.
 *
 * <pre>{@code
 * AdapterDiff d = AdapterImages.client().diff(ImageRef.parse("oci-layout:adapters:v1"),
 *         ImageRef.parse("oci-layout:adapters:v2"));
 * d.tensors().forEach(t -> System.out.println(t.name() + " " + t.normOfDifference()));
 * }</pre>
 *
 * @param a the first version
 * @param b the second version
 * @param config every top-level config field whose value differs (JSON text; {@code null} when absent)
 * @param metrics every metric in either version ({@code null} when absent from one)
 * @param tensors every tensor in either version, sorted by name
 */
public record AdapterDiff(
        AdapterImage a, AdapterImage b, List<Field> config, List<Metric> metrics, List<Tensor> tensors) {

    public AdapterDiff {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        config = List.copyOf(config);
        metrics = List.copyOf(metrics);
        tensors = List.copyOf(tensors);
    }

    /** A config field that differs. */
    public record Field(String name, String a, String b) {}

    /** A metric of either version. */
    public record Metric(String name, Double a, Double b) {}

    /**
     * A weight tensor's L2 norms. A norm is {@code NaN} where the tensor is absent from that version;
     * {@code normOfDifference} is {@code NaN} unless both hold it with the same shape.
     */
    public record Tensor(String name, String shapeA, String shapeB, double normA, double normB, double normOfDifference) {}
}

package dev.spindle.peft.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.ArrayList;
import java.util.List;

/** Per-tensor L2 norms of two safetensors files and of their difference, computed in libtorch. */
final class WeightNorms {

    private WeightNorms() {}

    static List<AdapterDiff.Tensor> compare(byte[] safetensorsA, byte[] safetensorsB) {
        // One manager for the whole comparison: every array decoded or computed here is freed on close.
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> a = byName(manager, safetensorsA, "A");
            Map<String, NDArray> b = byName(manager, safetensorsB, "B");
            List<AdapterDiff.Tensor> out = new ArrayList<>();
            TreeSet<String> names = new TreeSet<>(a.keySet());
            names.addAll(b.keySet());
            for (String name : names) {
                NDArray x = a.get(name);
                NDArray y = b.get(name);
                double diff = x != null && y != null && x.getShape().equals(y.getShape())
                        ? norm(x.sub(y)) : Double.NaN;
                out.add(new AdapterDiff.Tensor(name,
                        x == null ? "-" : x.getShape().toString(), y == null ? "-" : y.getShape().toString(),
                        x == null ? Double.NaN : norm(x), y == null ? Double.NaN : norm(y), diff));
            }
            return out;
        }
    }

    private static Map<String, NDArray> byName(NDManager manager, byte[] safetensors, String which) {
        NDList list;
        try {
            list = NDList.decode(manager, safetensors);
        } catch (RuntimeException e) {
            throw new AdapterImageException("the weights of adapter " + which
                    + " are not a readable safetensors file", e);
        }
        Map<String, NDArray> byName = new LinkedHashMap<>();
        for (NDArray array : list) {
            // Float64 so the norm of a difference of nearly equal float32 tensors keeps its digits.
            byName.put(array.getName(), array.toType(DataType.FLOAT64, false));
        }
        return byName;
    }

    private static double norm(NDArray x) {
        return x.square().sum().sqrt().getDouble();
    }
}

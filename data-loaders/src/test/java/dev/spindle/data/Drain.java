package dev.spindle.data;

import ai.djl.ndarray.NDManager;
import dev.spindle.train.Batch;
import dev.spindle.train.BatchSource;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

/** Reads batches in tests and keeps their contents as plain arrays. */
final class Drain {

    private Drain() {}

    /** Inputs then labels of one batch, as ints (floats by their bits, so equality is bit for bit). */
    static int[] contents(Batch b) {
        int[] in = b.inputs().getDataType().isFloating()
                ? bits(b.inputs().toFloatArray()) : b.inputs().toIntArray();
        int[] out = b.labels().toIntArray();
        int[] all = new int[in.length + out.length];
        System.arraycopy(in, 0, all, 0, in.length);
        System.arraycopy(out, 0, all, in.length, out.length);
        return all;
    }

    /** The contents of the next {@code n} batches. */
    static List<int[]> batches(BatchSource s, NDManager manager, int n) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            try (NDManager step = manager.newSubManager()) {
                out.add(contents(s.next(step)));
            }
        }
        return out;
    }

    /** Labels of every batch until a one-pass loader is exhausted. */
    static List<Integer> labelsUntilEnd(BatchSource s, NDManager manager) {
        List<Integer> out = new ArrayList<>();
        while (true) {
            try (NDManager step = manager.newSubManager()) {
                for (int v : s.next(step).labels().toIntArray()) {
                    out.add(v);
                }
            } catch (NoSuchElementException end) {
                return out;
            }
        }
    }

    /** Labels of the next {@code n} batches. */
    static List<Integer> labels(BatchSource s, NDManager manager, int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            try (NDManager step = manager.newSubManager()) {
                for (int v : s.next(step).labels().toIntArray()) {
                    out.add(v);
                }
            }
        }
        return out;
    }

    private static int[] bits(float[] f) {
        int[] a = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            a[i] = Float.floatToRawIntBits(f[i]);
        }
        return a;
    }
}

package dev.spindle.collective;

/** How a reducing collective combines the ranks' values element by element. */
public enum ReduceOp {
    SUM,
    AVG,
    MAX,
    MIN
}

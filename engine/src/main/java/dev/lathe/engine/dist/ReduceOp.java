package dev.lathe.engine.dist;

/** How an all-reduce combines the ranks' values (AVG = SUM / world: Gloo has no native average). */
public enum ReduceOp {
  SUM(0), AVG(1), MAX(2), MIN(3);

  final int code;

  ReduceOp(int code) { this.code = code; }
}

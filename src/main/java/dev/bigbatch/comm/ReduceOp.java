package dev.bigbatch.comm;

/** How allreduce combines the ranks' values element-wise. */
public enum ReduceOp {
  /** Element-wise sum over ranks. */
  SUM,
  /** Element-wise sum divided by the world size (every rank computes the same bits). */
  MEAN,
  /** Element-wise maximum over ranks. */
  MAX,
  /** Element-wise minimum over ranks. */
  MIN
}

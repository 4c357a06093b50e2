package dev.bigbatch.comm;

/** Which allreduce protocol to run. */
public enum AllreduceAlgorithm {
  /** Halving-doubling below {@link CommOptions#autoThresholdBytes()}, ring at or above it. */
  AUTO,
  /** Ring: reduce-scatter then allgather, chunked and pipelined; bandwidth-optimal for large buffers. */
  RING,
  /** Recursive halving-doubling with fold-in of non-power-of-two ranks; latency-optimal for small buffers. */
  HALVING_DOUBLING
}

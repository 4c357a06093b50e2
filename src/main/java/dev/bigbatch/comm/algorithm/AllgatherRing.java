package dev.bigbatch.comm.algorithm;

import java.nio.ByteBuffer;

/**
 * Ring allgather: {@code out} holds one equal block per rank; rank r's input is copied into block r, then
 * the blocks travel around the ring (n-1 steps, chunked and pipelined) until every rank has all of them.
 */
public final class AllgatherRing {
  private final CollectiveContext ctx;
  private final ByteBuffer in;
  private final ByteBuffer out;
  private final int elemBytes;

  /**
   * @param in this rank's block (position..limit)
   * @param out size x the block (position..limit); receives every rank's block in rank order
   */
  public AllgatherRing(CollectiveContext ctx, ByteBuffer in, ByteBuffer out, int elemBytes) {
    if ((long) in.remaining() * ctx.size() != out.remaining()) {
      throw new IllegalArgumentException("allgather output must hold world size x input: "
          + out.remaining() + " bytes vs " + ctx.size() + " x " + in.remaining());
    }
    this.ctx = ctx;
    this.in = in;
    this.out = out;
    this.elemBytes = elemBytes;
  }

  public void run() {
    int blockElems = in.remaining() / elemBytes;
    // Phase 1: place our own block.
    out.slice(out.position() + ctx.rank() * in.remaining(), in.remaining()).put(in.duplicate());
    // Phase 2: ring allgather over equal segments, owning segment r.
    new RingAllgather(ctx, out, elemBytes, blockElems * ctx.size(), ctx.rank()).run();
  }
}

package dev.bigbatch.comm.algorithm;

import dev.bigbatch.comm.transport.Request;
import java.nio.ByteBuffer;

/**
 * Dissemination barrier (Hensgen, Finkel &amp; Manber): in round k every rank signals rank r+2^k and waits
 * for rank r-2^k; after ceil(log2 n) rounds every rank has heard, transitively, from every other.
 */
public final class BarrierDissemination {
  private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);
  private final CollectiveContext ctx;

  public BarrierDissemination(CollectiveContext ctx) {
    this.ctx = ctx;
  }

  public void run() {
    int size = ctx.size();
    int rank = ctx.rank();
    for (int dist = 1; dist < size; dist <<= 1) {
      // Round: signal the rank dist ahead, wait for the rank dist behind.
      Request recv = ctx.transport().pair(Chunks.mod(rank - dist, size)).recv(ctx.tag(), EMPTY);
      Request send = ctx.transport().pair(Chunks.mod(rank + dist, size)).send(ctx.tag(), EMPTY);
      recv.await();
      send.await();
    }
  }
}

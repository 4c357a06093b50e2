package dev.bigbatch.comm.algorithm;

import dev.bigbatch.comm.algorithm.Chunks.Range;
import dev.bigbatch.comm.transport.Pair;
import dev.bigbatch.comm.transport.Request;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Binomial-tree broadcast from {@code root}, chunked: every rank receives the buffer from its parent and
 * forwards each chunk to its children as soon as it lands, so deep trees stay pipelined.
 */
public final class BroadcastBinomial {
  private final CollectiveContext ctx;
  private final ByteBuffer data;
  private final int root;

  /** Broadcasts the bytes between {@code data}'s position and limit from {@code root}. */
  public BroadcastBinomial(CollectiveContext ctx, ByteBuffer data, int root) {
    if (root < 0 || root >= ctx.size()) {
      throw new IllegalArgumentException("broadcast root " + root + " outside world of " + ctx.size());
    }
    this.ctx = ctx;
    this.data = data;
    this.root = root;
  }

  public void run() {
    int size = ctx.size();
    int bytes = data.remaining();
    if (size == 1 || bytes == 0) {
      return;
    }
    int vrank = Chunks.mod(ctx.rank() - root, size);
    List<Range> pieces = Chunks.split(0, bytes, Math.max(1, ctx.chunkBytes()));

    // Phase 1: find our parent (clear our lowest set bit) and post receives for every chunk.
    int mask = 1;
    Pair parent = null;
    while (mask < size) {
      if ((vrank & mask) != 0) {
        parent = ctx.transport().pair(Chunks.mod(vrank - mask + root, size));
        break;
      }
      mask <<= 1;
    }
    List<Request> recvs = new ArrayList<>();
    if (parent != null) {
      for (Range p : pieces) {
        recvs.add(parent.recv(ctx.tag(), Chunks.bytes(data, 1, p.lo(), p.hi())));
      }
    }

    // Phase 2: our children are vrank + 2^j for every 2^j below the bit that linked us to our parent.
    List<Pair> children = new ArrayList<>();
    for (int m = mask >> 1; m > 0; m >>= 1) {
      if (vrank + m < size) {
        children.add(ctx.transport().pair(Chunks.mod(vrank + m + root, size)));
      }
    }

    // Phase 3: forward chunk by chunk, as each one arrives (the root has them all already).
    List<Request> sends = new ArrayList<>();
    for (int k = 0; k < pieces.size(); k++) {
      if (parent != null) {
        recvs.get(k).await();
      }
      Range p = pieces.get(k);
      for (Pair child : children) {
        sends.add(child.send(ctx.tag(), Chunks.bytes(data, 1, p.lo(), p.hi())));
      }
    }
    sends.forEach(Request::await);
  }
}

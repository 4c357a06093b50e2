package dev.bigbatch.comm.algorithm;

import dev.bigbatch.comm.algorithm.Chunks.Range;
import dev.bigbatch.comm.transport.Pair;
import dev.bigbatch.comm.transport.Request;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The allgather half of a ring: the buffer is cut into one segment per rank and each rank starts with
 * segment {@code owned} complete. At step s a rank sends segment owned-s to the right and receives
 * segment owned-s-1 from the left straight into place, forwarding each chunk as soon as it lands.
 */
final class RingAllgather {
  private final CollectiveContext ctx;
  private final ByteBuffer data;
  private final int elemBytes;
  private final int count;
  private final int owned;

  RingAllgather(CollectiveContext ctx, ByteBuffer data, int elemBytes, int count, int owned) {
    this.ctx = ctx;
    this.data = data;
    this.elemBytes = elemBytes;
    this.count = count;
    this.owned = owned;
  }

  void run() {
    int size = ctx.size();
    int rank = ctx.rank();
    if (size == 1 || count == 0) {
      return;
    }
    Pair left = ctx.transport().pair(Chunks.mod(rank - 1, size));
    Pair right = ctx.transport().pair(Chunks.mod(rank + 1, size));
    int chunkElems = ctx.chunkElems(elemBytes);

    // Post every receive up front, directly into its final place (segments never overlap).
    List<Range> incoming = new ArrayList<>();
    List<Integer> incomingStep = new ArrayList<>();
    for (int s = 0; s < size - 1; s++) {
      Range seg = Chunks.segment(count, size, Chunks.mod(owned - s - 1, size));
      for (Range piece : Chunks.split(seg.lo(), seg.hi(), chunkElems)) {
        incoming.add(piece);
        incomingStep.add(s);
      }
    }
    List<Request> recvs = new ArrayList<>(incoming.size());
    for (Range piece : incoming) {
      recvs.add(left.recv(ctx.tag(), Chunks.bytes(data, elemBytes, piece.lo(), piece.hi())));
    }

    // Step 0: send the segment we own.
    List<Request> sends = new ArrayList<>();
    Range mine = Chunks.segment(count, size, owned);
    for (Range piece : Chunks.split(mine.lo(), mine.hi(), chunkElems)) {
      sends.add(right.send(ctx.tag(), Chunks.bytes(data, elemBytes, piece.lo(), piece.hi())));
    }

    // Steps 1..n-2: forward every received chunk to the right as soon as it arrives.
    for (int k = 0; k < incoming.size(); k++) {
      recvs.get(k).await();
      if (incomingStep.get(k) < size - 2) {
        Range piece = incoming.get(k);
        sends.add(right.send(ctx.tag(), Chunks.bytes(data, elemBytes, piece.lo(), piece.hi())));
      }
    }
    sends.forEach(Request::await);
  }
}

package dev.bigbatch.comm.algorithm;

import dev.bigbatch.comm.DataType;
import dev.bigbatch.comm.ReduceOp;
import dev.bigbatch.comm.algorithm.Chunks.Range;
import dev.bigbatch.comm.transport.Pair;
import dev.bigbatch.comm.transport.Request;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Ring allreduce (Gloo's {@code allreduce_ring_chunked}, Baidu/Horovod's ring): the buffer is cut into
 * one segment per rank; a reduce-scatter around the ring leaves rank r with the full reduction of segment
 * r+1, and an allgather around the ring hands every finished segment to everyone. Each segment travels in
 * chunks, and a chunk is forwarded as soon as it is reduced, so receiving, reducing and sending overlap.
 * Every rank sends and receives 2(n-1)/n of the buffer: bandwidth-optimal for large buffers.
 */
public final class AllreduceRing {
  /** Chunks of the reduce-scatter in flight at once (scratch holds this many). */
  private static final int WINDOW = 4;

  private final CollectiveContext ctx;
  private final ByteBuffer data;
  private final DataType type;
  private final ReduceOp op;
  private final int count;
  private final int rank;
  private final int size;

  /** Reduces the elements between {@code data}'s position and limit in place. */
  public AllreduceRing(CollectiveContext ctx, ByteBuffer data, DataType type, ReduceOp op) {
    this.ctx = ctx;
    this.data = data;
    this.type = type;
    this.op = op;
    this.count = data.remaining() / type.bytes();
    this.rank = ctx.rank();
    this.size = ctx.size();
  }

  public void run() {
    if (size == 1 || count == 0) {
      return;
    }
    Pair left = ctx.transport().pair(Chunks.mod(rank - 1, size));
    Pair right = ctx.transport().pair(Chunks.mod(rank + 1, size));

    // Phase 1: reduce-scatter. At step s send segment r-s to the right, receive segment r-s-1 from the
    // left and fold it into ours; after n-1 steps segment r+1 holds every rank's contribution.
    reduceScatter(left, right);

    // Phase 2: allgather. Pass the finished segments around the ring, starting with our own (r+1).
    new RingAllgather(ctx, data, type.bytes(), count, Chunks.mod(rank + 1, size)).run();
  }

  private void reduceScatter(Pair left, Pair right) {
    int elemBytes = type.bytes();
    int chunkElems = ctx.chunkElems(elemBytes);
    List<Range> incoming = new ArrayList<>();
    List<Integer> incomingStep = new ArrayList<>();
    for (int s = 0; s < size - 1; s++) {
      Range seg = Chunks.segment(count, size, Chunks.mod(rank - s - 1, size));
      for (Range piece : Chunks.split(seg.lo(), seg.hi(), chunkElems)) {
        incoming.add(piece);
        incomingStep.add(s);
      }
    }
    int slotBytes = chunkElems * elemBytes;
    ByteBuffer scratch = ctx.scratch().apply(WINDOW * slotBytes);
    Request[] recvs = new Request[incoming.size()];
    List<Request> sends = new ArrayList<>();

    Range first = Chunks.segment(count, size, rank);
    for (Range piece : Chunks.split(first.lo(), first.hi(), chunkElems)) {
      sends.add(right.send(ctx.tag(), Chunks.bytes(data, elemBytes, piece.lo(), piece.hi())));
    }
    for (int k = 0; k < Math.min(WINDOW, incoming.size()); k++) {
      recvs[k] = left.recv(ctx.tag(), slot(scratch, k, slotBytes, incoming.get(k)));
    }
    for (int k = 0; k < incoming.size(); k++) {
      Range piece = incoming.get(k);
      recvs[k].await();
      ByteBuffer mine = Chunks.bytes(data, elemBytes, piece.lo(), piece.hi());
      Reduction.combine(type, op, mine, slot(scratch, k, slotBytes, piece));
      if (incomingStep.get(k) < size - 2) {
        sends.add(right.send(ctx.tag(), mine)); // this chunk is next step's outgoing chunk
      }
      int next = k + WINDOW;
      if (next < incoming.size()) {
        recvs[next] = left.recv(ctx.tag(), slot(scratch, next, slotBytes, incoming.get(next)));
      }
    }
    // The allgather overwrites the segments we sent; they must be out first.
    sends.forEach(Request::await);
  }

  private ByteBuffer slot(ByteBuffer scratch, int k, int slotBytes, Range piece) {
    return scratch.slice((k % WINDOW) * slotBytes, piece.length() * type.bytes());
  }
}

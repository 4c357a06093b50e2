package dev.bigbatch.comm.algorithm;

import dev.bigbatch.comm.DataType;
import dev.bigbatch.comm.ReduceOp;
import dev.bigbatch.comm.algorithm.Chunks.Range;
import dev.bigbatch.comm.transport.Pair;
import dev.bigbatch.comm.transport.Request;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Recursive halving-doubling allreduce (Rabenseifner; Thakur, Rabenseifner &amp; Gropp 2005): a
 * reduce-scatter by recursive vector halving / distance doubling, then an allgather by recursive
 * doubling, 2·log2(p) steps, so it wins for small, latency-bound buffers.
 *
 * <p>Non-powers of two: with p the largest power of two &lt;= n and e = n - p, the first 2e ranks pair
 * up; each even one folds its whole buffer into its odd neighbour and sits out, the p remaining ranks run
 * the power-of-two protocol, and the odd ranks hand the result back to their even neighbours.
 */
public final class AllreduceHalvingDoubling {
  /** Chunks being reduced in flight at once (scratch holds this many). */
  private static final int WINDOW = 4;

  private final CollectiveContext ctx;
  private final ByteBuffer data;
  private final DataType type;
  private final ReduceOp op;
  private final int count;
  private final int rank;
  private final int size;
  private final int pow2;
  private final int extra;

  /** Reduces the elements between {@code data}'s position and limit in place. */
  public AllreduceHalvingDoubling(CollectiveContext ctx, ByteBuffer data, DataType type, ReduceOp op) {
    this.ctx = ctx;
    this.data = data;
    this.type = type;
    this.op = op;
    this.count = data.remaining() / type.bytes();
    this.rank = ctx.rank();
    this.size = ctx.size();
    this.pow2 = Integer.highestOneBit(size);
    this.extra = size - pow2;
  }

  public void run() {
    if (size == 1 || count == 0) {
      return;
    }
    boolean folded = rank < 2 * extra;
    Range all = new Range(0, count);
    Range none = new Range(0, 0);

    // Phase 1: fold-in. Among the first 2e ranks, each even rank adds its buffer into its odd neighbour.
    if (folded && rank % 2 == 0) {
      exchange(rank + 1, all, none, false);
    } else if (folded) {
      exchange(rank - 1, none, all, true);
    }

    if (!folded || rank % 2 == 1) {
      int vrank = folded ? rank / 2 : rank - extra;
      Deque<Range> before = new ArrayDeque<>();
      Range mine = all;

      // Phase 2: reduce-scatter by recursive halving. Keep one half (lower half if our bit is 0),
      // send the other to the partner across that bit and fold its copy of our half into ours.
      for (int mask = pow2 >> 1; mask > 0; mask >>= 1) {
        int mid = mine.lo() + mine.length() / 2;
        Range lower = new Range(mine.lo(), mid);
        Range upper = new Range(mid, mine.hi());
        boolean keepLower = (vrank & mask) == 0;
        before.push(mine);
        exchange(realRank(vrank ^ mask), keepLower ? upper : lower, keepLower ? lower : upper, true);
        mine = keepLower ? lower : upper;
      }

      // Phase 3: allgather by recursive doubling. Undo the halvings in reverse: swap our finished
      // part for the partner's sibling part, doubling what we hold each step.
      for (int mask = 1; mask < pow2; mask <<= 1) {
        Range whole = before.pop();
        Range sibling = mine.lo() == whole.lo() ? new Range(mine.hi(), whole.hi()) : new Range(whole.lo(), mine.lo());
        exchange(realRank(vrank ^ mask), mine, sibling, false);
        mine = whole;
      }
    }

    // Phase 4: fold-out. Odd ranks of the first 2e hand the result back to their even neighbour.
    if (folded && rank % 2 == 1) {
      exchange(rank - 1, all, none, false);
    } else if (folded) {
      exchange(rank + 1, none, all, false);
    }
  }

  /** Real rank of the i-th participant of the power-of-two phase. */
  private int realRank(int vrank) {
    return vrank < extra ? 2 * vrank + 1 : vrank + extra;
  }

  /**
   * Sends {@code out} to {@code peer} and receives {@code in} from it, in chunks. Received chunks are
   * written straight into place, or, if {@code reduce}, land in a window of scratch slots and are folded
   * into our elements as they arrive.
   */
  private void exchange(int peer, Range out, Range in, boolean reduce) {
    Pair pair = ctx.transport().pair(peer);
    int elemBytes = type.bytes();
    int chunkElems = ctx.chunkElems(elemBytes);
    int slotBytes = chunkElems * elemBytes;
    List<Range> inPieces = Chunks.split(in.lo(), in.hi(), chunkElems);
    ByteBuffer scratch = reduce ? ctx.scratch().apply(WINDOW * slotBytes) : null;
    Request[] recvs = new Request[inPieces.size()];
    int posted = reduce ? Math.min(WINDOW, inPieces.size()) : inPieces.size();
    for (int k = 0; k < posted; k++) {
      recvs[k] = pair.recv(ctx.tag(), target(scratch, k, slotBytes, inPieces.get(k)));
    }
    List<Request> sends = new ArrayList<>();
    for (Range p : Chunks.split(out.lo(), out.hi(), chunkElems)) {
      sends.add(pair.send(ctx.tag(), Chunks.bytes(data, elemBytes, p.lo(), p.hi())));
    }
    for (int k = 0; k < inPieces.size(); k++) {
      recvs[k].await();
      if (reduce) {
        Range p = inPieces.get(k);
        Reduction.combine(type, op, Chunks.bytes(data, elemBytes, p.lo(), p.hi()),
            target(scratch, k, slotBytes, p));
        if (k + WINDOW < inPieces.size()) {
          recvs[k + WINDOW] = pair.recv(ctx.tag(), target(scratch, k + WINDOW, slotBytes, inPieces.get(k + WINDOW)));
        }
      }
    }
    sends.forEach(Request::await);
  }

  /** Where chunk k lands: its scratch slot when reducing, else its final place. */
  private ByteBuffer target(ByteBuffer scratch, int k, int slotBytes, Range piece) {
    return scratch != null
        ? scratch.slice((k % WINDOW) * slotBytes, piece.length() * type.bytes())
        : Chunks.bytes(data, type.bytes(), piece.lo(), piece.hi());
  }
}

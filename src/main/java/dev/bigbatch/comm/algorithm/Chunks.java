package dev.bigbatch.comm.algorithm;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Element ranges and their split into pipelined chunks. Sender and receiver split the same range the same
 * way, so their messages match one to one.
 */
final class Chunks {
  /** Half-open element range {@code [lo, hi)}. */
  record Range(int lo, int hi) {
    int length() {
      return hi - lo;
    }
  }

  private Chunks() {
  }

  /** Splits {@code [lo, hi)} into pieces of at most {@code chunkElems} elements (none if empty). */
  static List<Range> split(int lo, int hi, int chunkElems) {
    List<Range> out = new ArrayList<>();
    for (int a = lo; a < hi; a += chunkElems) {
      out.add(new Range(a, Math.min(hi, a + chunkElems)));
    }
    return out;
  }

  /** Bounds of segment {@code i} of {@code count} elements cut into {@code parts} near-equal segments. */
  static Range segment(int count, int parts, int i) {
    return new Range((int) ((long) count * i / parts), (int) ((long) count * (i + 1) / parts));
  }

  /** The bytes of elements {@code [lo, hi)} of {@code data} (whose position is element 0). */
  static ByteBuffer bytes(ByteBuffer data, int elemBytes, int lo, int hi) {
    return data.slice(data.position() + lo * elemBytes, (hi - lo) * elemBytes);
  }

  static int mod(int a, int n) {
    return ((a % n) + n) % n;
  }
}

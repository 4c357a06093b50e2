package dev.bigbatch.comm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * FLOAT16 collectives over loopback TCP for world sizes 1..9 and odd element counts, against a float64
 * sum of the same halves.
 *
 * <p>Error bound. The inputs x_q are halves; every hop adds two halves and rounds to half with relative
 * error ≤ u = 2^-11 (additions of halves never lose accuracy to underflow: a sum below 2^-14 is a multiple
 * of 2^-24 and exact). Whatever tree the algorithm sums along (ring: a chain, halving-doubling: a tree
 * with fold-ins), each element passes n−1 additions at most, so |ŝ − s| ≤ γ_{n−1} Σ|x_q| with
 * γ_k = k·u/(1 − k·u) (Higham, Accuracy and Stability of Numerical Algorithms, §4.2). MEAN rounds the
 * quotient once more: |m̂ − s/n| ≤ γ_n Σ|x_q| / n + 2^-25 (the last term if the quotient is subnormal).
 */
class Float16CollectiveTest {
  private static final int[] COUNTS = {1, 7, 1001, 4097};
  private static final AllreduceAlgorithm[] ALGORITHMS = {AllreduceAlgorithm.RING, AllreduceAlgorithm.HALVING_DOUBLING};
  private static final double U = 0x1p-11;

  /** Rank r's element i before rounding to half: signed, magnitudes 8e-6 .. 0.8 (some subnormal in half). */
  static float value(int rank, int i) {
    long h = (rank * 0x9E3779B97F4A7C15L) ^ (i * 0xC2B2AE3D27D4EB4FL);
    h ^= h >>> 29;
    h *= 0xBF58476D1CE4E5B9L;
    h ^= h >>> 32;
    double mag = Math.pow(10, -4 + 5 * ((h >>> 11) & 0xfffff) / (double) 0xfffff) / 1.25e1; // 8e-6 .. 0.8
    return (float) ((h & 1) == 0 ? mag : -mag);
  }

  static ShortBuffer halves(int count, java.util.function.IntUnaryOperator bits) {
    ShortBuffer b = ByteBuffer.allocateDirect(count * 2).order(ByteOrder.nativeOrder()).asShortBuffer();
    for (int i = 0; i < count; i++) {
      b.put(i, (short) bits.applyAsInt(i));
    }
    return b;
  }

  static double gamma(int k) {
    return k * U / (1 - k * U);
  }

  @ParameterizedTest(name = "world size {0}")
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9})
  void halfCollectivesStayWithinTheRoundingBound(int n) throws Exception {
    CommOptions options = LocalWorld.testOptions().withChunkBytes(1024); // 4097 halves travel in several chunks
    List<List<short[]>> results = LocalWorld.run(n, options, comm -> {
      int r = comm.rank();
      List<short[]> out = new ArrayList<>();
      for (AllreduceAlgorithm algorithm : ALGORITHMS) {
        for (int count : COUNTS) {
          for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.MEAN}) {
            ShortBuffer mine = halves(count, i -> Float16.fromFloat(value(r, i)));
            comm.allreduceAsync(List.of(mine), op, algorithm).await();
            for (int i = 0; i < count; i++) {
              double sum = 0;
              double abs = 0;
              for (int q = 0; q < n; q++) {
                double x = Float16.toFloat(Float16.fromFloat(value(q, i)));
                sum += x;
                abs += Math.abs(x);
              }
              double got = Float16.toFloat(mine.get(i));
              double want = op == ReduceOp.SUM ? sum : sum / n;
              double bound = op == ReduceOp.SUM ? gamma(n - 1) * abs : gamma(n) * abs / n + 0x1p-25;
              assertTrue(Math.abs(got - want) <= bound, algorithm + " " + op + " count " + count + " i " + i
                  + ": got " + got + ", float64 " + want + ", bound " + bound);
            }
            short[] a = new short[count];
            mine.get(0, a);
            out.add(a);
          }

          // MAX of halves is exact.
          ShortBuffer max = halves(count, i -> Float16.fromFloat(value(r, i)));
          comm.allreduceAsync(List.of(max), ReduceOp.MAX, algorithm).await();
          for (int i = 0; i < count; i++) {
            float best = Float.NEGATIVE_INFINITY;
            for (int q = 0; q < n; q++) {
              best = Math.max(best, Float16.toFloat(Float16.fromFloat(value(q, i))));
            }
            assertEquals(best, Float16.toFloat(max.get(i)), "max " + algorithm);
          }
        }
      }

      // One addition rounds to half: 1 + 2^-11 ties to the even 1 (a float32 accumulator would keep it).
      if (n == 2) {
        ShortBuffer tie = halves(3, i -> Float16.fromFloat(r == 0 ? 1f : 0x1p-11f));
        comm.allreduceAsync(List.of(tie), ReduceOp.SUM, AllreduceAlgorithm.RING).await();
        assertEquals(1f, Float16.toFloat(tie.get(1)));
      }

      // Broadcast and allgather move half bit patterns unchanged (NaN and -0 included).
      for (int root = 0; root < n; root++) {
        int rt = root;
        ShortBuffer b = halves(7, i -> r == rt ? 0x7e00 + i * 3 + rt : 0);
        comm.broadcast(b, root);
        for (int i = 0; i < 7; i++) {
          assertEquals((short) (0x7e00 + i * 3 + rt), b.get(i), "broadcast root " + root);
        }
      }
      ShortBuffer in = halves(5, i -> 0x8000 | (r * 5 + i));
      ShortBuffer all = halves(5 * n, i -> 0);
      comm.allgather(in, all);
      for (int i = 0; i < 5 * n; i++) {
        assertEquals((short) (0x8000 | i), all.get(i), "allgather " + i);
      }
      comm.barrier();
      return out;
    });
    for (int r = 1; r < n; r++) { // every rank decoded the same bits
      for (int k = 0; k < results.get(0).size(); k++) {
        assertArrayEquals(results.get(0).get(k), results.get(r).get(k), "rank " + r + " result " + k);
      }
    }
  }
}

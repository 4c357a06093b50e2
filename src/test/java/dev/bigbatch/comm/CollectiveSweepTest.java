package dev.bigbatch.comm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Threads-as-ranks sweep over world sizes 1..9, 12 and 16 (several folded ranks; a deeper power of two)
 * with closed-form expected values. Chunks are small (4 KiB) so that 4096 elements travel in several
 * pipelined chunks.
 */
class CollectiveSweepTest {
  private static final int[] COUNTS = {0, 1, 7, 4096};
  private static final AllreduceAlgorithm[] ALGORITHMS = {AllreduceAlgorithm.RING, AllreduceAlgorithm.HALVING_DOUBLING};

  /** Element i of rank r: small integers, so float sums are exact in any order. */
  static double value(int rank, int i) {
    return rank + 2.0 * (i % 13);
  }

  static double expectedSum(int n, int i) {
    return n * (n - 1) / 2.0 + n * 2.0 * (i % 13);
  }

  @ParameterizedTest(name = "world size {0}")
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16})
  void allCollectivesMatchClosedForm(int n) throws Exception {
    CommOptions options = LocalWorld.testOptions().withChunkBytes(4096);
    List<List<float[]>> results = LocalWorld.run(n, options, comm -> {
      int r = comm.rank();
      List<float[]> out = new ArrayList<>();
      for (AllreduceAlgorithm algorithm : ALGORITHMS) {
        for (int count : COUNTS) {
          // Each rank contributes its rank: every element must become n(n-1)/2.
          FloatBuffer ranks = Buffers.floats(count, i -> r);
          comm.allreduceAsync(ranks, ReduceOp.SUM, algorithm).await();
          assertEquals(-1, Buffers.firstMismatch(ranks, i -> n * (n - 1) / 2.0, 0), algorithm + " count " + count);

          // Index-dependent values.
          FloatBuffer indexed = Buffers.floats(count, i -> value(r, i));
          comm.allreduceAsync(indexed, ReduceOp.SUM, algorithm).await();
          assertEquals(-1, Buffers.firstMismatch(indexed, i -> expectedSum(n, i), 0), algorithm + " indexed " + count);
          out.add(Buffers.array(indexed));

          // Max over ranks of a scrambled value, checked against brute force.
          FloatBuffer scrambled = Buffers.floats(count, i -> (i * 7 + r * 3) % 11);
          comm.allreduceAsync(scrambled, ReduceOp.MAX, algorithm).await();
          assertEquals(-1, Buffers.firstMismatch(scrambled, i -> {
            int best = Integer.MIN_VALUE;
            for (int q = 0; q < n; q++) {
              best = Math.max(best, (i * 7 + q * 3) % 11);
            }
            return best;
          }, 0), algorithm + " max " + count);

          // Mean in float64.
          DoubleBuffer mean = Buffers.doubles(count, i -> value(r, i) + 0.25);
          comm.allreduceAsync(List.of(mean), ReduceOp.MEAN, algorithm).await();
          for (int i = 0; i < count; i++) {
            assertEquals(expectedSum(n, i) / n + 0.25, mean.get(i), 1e-12, "mean " + algorithm);
          }
        }
      }

      // Broadcast from every root: everyone ends with the root's values.
      for (int root = 0; root < n; root++) {
        int rt = root;
        for (int count : new int[] {0, 7, 4096}) {
          FloatBuffer b = Buffers.floats(count, i -> r == rt ? 1000 * rt + i : -1);
          comm.broadcast(b, root);
          assertEquals(-1, Buffers.firstMismatch(b, i -> 1000 * rt + i, 0), "broadcast root " + root);
        }
      }

      // Allgather: block q of the output is rank q's input.
      for (int count : new int[] {0, 1, 7, 1500}) {
        FloatBuffer in = Buffers.floats(count, i -> 100 * r + i);
        FloatBuffer all = Buffers.floats(count * n, i -> -1);
        comm.allgather(in, all);
        assertEquals(-1, Buffers.firstMismatch(all, i -> 100 * (i / Math.max(1, count)) + i % Math.max(1, count), 0),
            "allgather " + count);
      }

      // Fused list of buffers with different lengths.
      List<FloatBuffer> bucket = List.of(Buffers.floats(3, i -> r), Buffers.floats(0, i -> 0),
          Buffers.floats(5000, i -> r * i % 17));
      comm.allreduce(bucket, ReduceOp.SUM);
      assertEquals(-1, Buffers.firstMismatch(bucket.get(0), i -> n * (n - 1) / 2.0, 0));
      assertEquals(-1, Buffers.firstMismatch(bucket.get(2), i -> {
        double s = 0;
        for (int q = 0; q < n; q++) {
          s += q * i % 17;
        }
        return s;
      }, 0), "fused");

      comm.barrier();
      return out;
    });
    // Every rank holds bit-identical results.
    for (int r = 1; r < n; r++) {
      for (int k = 0; k < results.get(0).size(); k++) {
        assertArrayEquals(results.get(0).get(k), results.get(r).get(k), "rank " + r + " result " + k);
      }
    }
  }
}

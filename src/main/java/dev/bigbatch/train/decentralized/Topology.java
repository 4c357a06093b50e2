package dev.bigbatch.train.decentralized;

import dev.bigbatch.spec.SyncSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * A static communication graph over P replicas and its mixing matrix W (row i: the weights replica i
 * gives to the parameters it receives; w_ij &gt; 0 only for j = i and j an in-neighbour of i).
 *
 * <ul>
 *   <li>{@code RING}: i exchanges with i−1 and i+1 (mod P); w = 1/3 on self, left, right. For P = 2 the
 *       two neighbours coincide: w = 1/2 each. P = 1: w = 1.</li>
 *   <li>{@code EXP} (static exponential graph, Ying et al. 2021; the graph DecentLaM's experiments use):
 *       i sends to i + 2^j mod P for j = 0 … ⌈log2 P⌉ − 1, so it receives from i − 2^j. The 2^j are
 *       distinct and below P, so every replica has ⌈log2 P⌉ in- and out-neighbours; the weights are
 *       uniform over self and in-neighbours, 1/(1 + ⌈log2 P⌉). W is circulant, hence doubly stochastic.</li>
 *   <li>{@code FULL}: everyone with everyone, w = 1/P (the global average of an allreduce; for the
 *       test that decentralized SGD with this W is synchronous SGD).</li>
 * </ul>
 *
 * Every W built here is doubly stochastic (rows and columns sum to 1), so the replicas' average
 * moves exactly as if the average gradient were applied (construction checks it).
 */
public final class Topology {
  private final SyncSpec.Topology kind;
  private final double[][] w;

  private Topology(SyncSpec.Topology kind, double[][] w) {
    this.kind = kind;
    this.w = w;
    double err = stochasticityError();
    if (err > 1e-12) {
      throw new IllegalStateException(kind + " mixing matrix for P=" + w.length + " is not doubly stochastic (error " + err + ")");
    }
  }

  /** The mixing matrix of {@code kind} over {@code replicas} replicas. */
  public static Topology of(SyncSpec.Topology kind, int replicas) {
    if (replicas < 1) {
      throw new IllegalArgumentException("a topology needs at least 1 replica, got " + replicas);
    }
    double[][] w = new double[replicas][replicas];
    for (int i = 0; i < replicas; i++) {
      TreeSet<Integer> in = new TreeSet<>();
      in.add(i);
      switch (kind) {
        case RING -> {
          in.add(Math.floorMod(i - 1, replicas));
          in.add(Math.floorMod(i + 1, replicas));
        }
        case EXP -> {
          for (int hop = 1; hop < replicas; hop *= 2) {
            in.add(Math.floorMod(i - hop, replicas));
          }
        }
        case FULL -> {
          for (int j = 0; j < replicas; j++) {
            in.add(j);
          }
        }
      }
      for (int j : in) {
        w[i][j] = 1.0 / in.size();
      }
    }
    return new Topology(kind, w);
  }

  public SyncSpec.Topology kind() {
    return kind;
  }

  public int size() {
    return w.length;
  }

  /** w_ij: the weight replica i gives to replica j's parameters. */
  public double weight(int i, int j) {
    return w[i][j];
  }

  /** The replicas i receives from (w_ij &gt; 0, j ≠ i), ascending. */
  public List<Integer> inNeighbours(int i) {
    List<Integer> out = new ArrayList<>();
    for (int j = 0; j < size(); j++) {
      if (j != i && w[i][j] > 0) {
        out.add(j);
      }
    }
    return out;
  }

  /** The replicas i sends to (w_ji &gt; 0, j ≠ i), ascending. */
  public List<Integer> outNeighbours(int i) {
    List<Integer> out = new ArrayList<>();
    for (int j = 0; j < size(); j++) {
      if (j != i && w[j][i] > 0) {
        out.add(j);
      }
    }
    return out;
  }

  /** Largest |row sum − 1| or |column sum − 1|. */
  public double stochasticityError() {
    double err = 0;
    for (int i = 0; i < size(); i++) {
      double row = 0;
      double col = 0;
      for (int j = 0; j < size(); j++) {
        row += w[i][j];
        col += w[j][i];
      }
      err = Math.max(err, Math.max(Math.abs(row - 1), Math.abs(col - 1)));
    }
    return err;
  }

  /** A copy of W. */
  public double[][] matrix() {
    double[][] copy = new double[size()][];
    for (int i = 0; i < size(); i++) {
      copy[i] = w[i].clone();
    }
    return copy;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s(P=%d, in-degree %d)", kind.name().toLowerCase(Locale.ROOT), size(),
        size() == 0 ? 0 : inNeighbours(0).size()) + (size() <= 4 ? " W=" + Arrays.deepToString(w) : "");
  }
}

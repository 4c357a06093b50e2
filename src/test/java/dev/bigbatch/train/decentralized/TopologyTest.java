package dev.bigbatch.train.decentralized;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.spec.SyncSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class TopologyTest {

  @Test
  void everyMixingMatrixIsDoublyStochasticForOneToNineReplicas() {
    for (SyncSpec.Topology kind : SyncSpec.Topology.values()) {
      for (int p = 1; p <= 9; p++) {
        double[][] w = Topology.of(kind, p).matrix();
        for (int i = 0; i < p; i++) {
          double row = 0;
          double col = 0;
          for (int j = 0; j < p; j++) {
            assertTrue(w[i][j] >= 0, kind + " P=" + p + " negative weight");
            row += w[i][j];
            col += w[j][i];
          }
          assertEquals(1.0, row, 1e-12, kind + " P=" + p + " row " + i);
          assertEquals(1.0, col, 1e-12, kind + " P=" + p + " column " + i);
        }
      }
    }
  }

  @Test
  void ringIsSelfLeftRightWithEqualWeights() {
    for (int p = 1; p <= 9; p++) {
      Topology t = Topology.of(SyncSpec.Topology.RING, p);
      for (int i = 0; i < p; i++) {
        TreeSet<Integer> expected = new TreeSet<>(List.of(Math.floorMod(i - 1, p), Math.floorMod(i + 1, p)));
        expected.remove(i);
        assertEquals(new ArrayList<>(expected), t.inNeighbours(i), "P=" + p + " rank " + i);
        assertEquals(new ArrayList<>(expected), t.outNeighbours(i), "P=" + p + " rank " + i);
        double w = 1.0 / (expected.size() + 1); // 1/3, 1/2 for P = 2, 1 for P = 1
        assertEquals(w, t.weight(i, i), 1e-15);
        for (int j : expected) {
          assertEquals(w, t.weight(i, j), 1e-15);
        }
      }
    }
    assertEquals(1.0 / 3, Topology.of(SyncSpec.Topology.RING, 5).weight(2, 1), 1e-15);
    assertEquals(0.0, Topology.of(SyncSpec.Topology.RING, 5).weight(2, 4), 0);
  }

  @Test
  void exponentialGraphReceivesFromPowersOfTwoBehind() {
    for (int p = 1; p <= 9; p++) {
      Topology t = Topology.of(SyncSpec.Topology.EXP, p);
      int logP = (int) Math.ceil(Math.log(p) / Math.log(2) - 1e-12);
      for (int i = 0; i < p; i++) {
        TreeSet<Integer> in = new TreeSet<>();
        TreeSet<Integer> out = new TreeSet<>();
        for (int j = 0; j < logP; j++) {
          in.add(Math.floorMod(i - (1 << j), p));
          out.add(Math.floorMod(i + (1 << j), p));
        }
        assertEquals(logP, in.size(), "P=" + p + ": the hops 2^j are distinct mod P");
        assertEquals(new ArrayList<>(in), t.inNeighbours(i), "P=" + p + " rank " + i);
        assertEquals(new ArrayList<>(out), t.outNeighbours(i), "P=" + p + " rank " + i);
        for (int j : in) {
          assertEquals(1.0 / (logP + 1), t.weight(i, j), 1e-15);
        }
      }
    }
    // P = 8: rank 0 hears from 7, 6, 4
    assertEquals(List.of(4, 6, 7), Topology.of(SyncSpec.Topology.EXP, 8).inNeighbours(0));
  }

  @Test
  void repeatedMixingReachesTheAverage() {
    // Connected graphs with self-loops: W^t → 11ᵀ/P, so gossip alone drives replicas to consensus.
    for (SyncSpec.Topology kind : SyncSpec.Topology.values()) {
      for (int p = 2; p <= 9; p++) {
        double[][] w = Topology.of(kind, p).matrix();
        double[] x = new double[p];
        for (int i = 0; i < p; i++) {
          x[i] = i * i;
        }
        double mean = (p - 1) * (2.0 * p - 1) / 6.0;
        for (int t = 0; t < 300; t++) {
          double[] next = new double[p];
          for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
              next[i] += w[i][j] * x[j];
            }
          }
          x = next;
        }
        for (int i = 0; i < p; i++) {
          assertEquals(mean, x[i], 1e-8, kind + " P=" + p);
        }
      }
    }
  }
}

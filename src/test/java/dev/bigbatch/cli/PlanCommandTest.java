package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.diag.CostModel;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** {@code bigbatch plan} prints the formulas and one cost-model row per N. */
class PlanCommandTest {
  @Test
  void givenComputePrintsFormulasAndTheModelsRows() {
    LintCommandTest.Outcome o = LintCommandTest.run("plan", "--model", "mlp", "--width", "1",
        "--seconds-per-example", "0.001", "--machines", "1,4,6", "--alpha", "1e-5", "--bandwidth", "1e9",
        "--no-overlap", "--epochs", "2");
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("ring:              T(S) = 2(N-1)·α + 2(N-1)/N · S/β"), o.out());
    // mlp width 1 on 28×28×1: 784·32+32 + 32·16+16 + 16·10+10 = 25,818 params → 103,272 bytes.
    assertTrue(o.out().contains("S = 103,272 gradient bytes"), o.out());
    // No --bucket-mb: train's auto rule, max(64 KiB, min(25 MiB, S/8 = 12,909 B)) = 65,536 B. Parameters in
    // reverse, in bytes: 40, 640, 64, 2,048, 128 (2,920 together), then the 784×32 weight (100,352) overflows
    // and gets a bucket of its own, the last one backward fills.
    assertTrue(o.out().contains("bucket 0.0625 MB (2 buckets as train cuts them, last 100,352 bytes)"), o.out());
    CostModel.Workload w = new CostModel.Workload(0.001, 32, 103_272, 2, 100_352, false, 60_000, 2);
    CostModel cost = new CostModel(1e-5, 1e9);
    for (int n : new int[] {1, 4, 6}) {
      String row = cost.predict(w, n).row();
      assertTrue(o.out().contains(row), "missing row " + row + " in\n" + o.out());
    }
    assertTrue(cost.predict(w, 6).row().contains("ring"), "N=6: fold makes halving-doubling slower");
  }

  @Test
  void explicitBucketSizeAsForTrain() {
    LintCommandTest.Outcome o = LintCommandTest.run("plan", "--model", "mlp", "--width", "1",
        "--seconds-per-example", "0.001", "--machines", "2", "--bucket-mb", "25");
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("bucket 25.0 MB (1 bucket as train cuts them, last 103,272 bytes)"), o.out());
    LintCommandTest.Outcome bad = LintCommandTest.run("plan", "--bucket-mb", "-1", "--seconds-per-example", "0.001");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("--bucket-mb"), bad.err());
  }

  @Test
  void measuresComputeWhenNotGiven() {
    LintCommandTest.Outcome o = LintCommandTest.run("plan", "--model", "mlp", "--width", "1", "--machines", "2",
        "--measure-steps", "2", "--threads", "1");
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("measured here"), o.out());
    String c = o.out().replaceAll("(?s).*compute c = ([0-9.e+-]+) ms/example.*", "$1");
    assertTrue(Double.parseDouble(c) > 0, c);
  }

  @Test
  void flopsNeedBothFlags() {
    LintCommandTest.Outcome o = LintCommandTest.run("plan", "--gflops-per-example", "1");
    assertEquals(2, o.code());
    assertTrue(o.err().toLowerCase(Locale.ROOT).contains("--device-gflops"), o.err());
  }
}

package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.bigbatch.data.Datasets;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.train.Checkpoints;
import dev.bigbatch.train.decentralized.RankCheckpoints;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code bigbatch lint} parses train's flags, prints rule id, reason and fix, exits 0; train prints the same. */
class LintCommandTest {
  record Outcome(int code, String out, String err) {}

  static Outcome run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run(args);
      return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void trainDefaultsOnlyNoteTheirWarmupHasNothingToRamp() {
    // kn = 256 = B0: k = 1, the warmup starts at the peak η0 = 0.4 (Goyal: from η to kη).
    Outcome o = run("lint");
    assertEquals(1, o.code(), "a warning: exit 1, as linters do; " + o.err());
    assertTrue(o.out().contains("[warmup-without-ramp] kn=256 ≤ B0=256"), o.out());
    assertTrue(o.out().contains("1 warning"), o.out());
    assertEquals(0, run("lint", "--exit-zero").code(), "--exit-zero keeps 0 with warnings");
    Outcome ramp = run("lint", "--workers", "16", "--warmup-epochs", "1");
    assertTrue(ramp.out().contains("no warnings"), "kn = 512 ramps 0.4 → 0.8 over 117 steps: " + ramp.out());
    assertEquals(0, ramp.code(), "no warnings: exit 0; " + ramp.err());
  }

  @Test
  void warningsCarryRuleIdReasonAndFix() {
    Outcome o = run("lint", "--lr", "0.1", "--workers", "256", "--warmup", "none", "--decay-bias-and-norm");
    assertEquals(1, o.code(), o.err());
    assertTrue(o.out().contains("[no-warmup-at-high-lr] peak LR 3.200"), o.out());
    assertTrue(o.out().contains("[weight-decay-on-bias-and-norm]"), o.out());
    assertTrue(o.out().contains("    fix: --warmup gradual --warmup-epochs 5.000"), o.out());
    assertTrue(o.out().contains("2 warnings"), o.out());
  }

  @Test
  void badTrainFlagsAreRejectedAsByTrain() {
    Outcome o = run("lint", "--lr", "0");
    assertEquals(2, o.code());
    assertTrue(o.err().contains("--lr must be a positive number"), o.err());
  }

  @Test
  void accumulateMapsToVirtualWorkers() {
    TrainCommand cmd = new TrainCommand();
    new CommandLine(cmd).parseArgs("--accumulate", "4", "--workers", "2");
    JobSpec c = cmd.spec();
    assertEquals(8, c.batch().virtualWorkers());
    assertEquals(2, c.batch().chunkWorkers());
    assertEquals(256, c.batch().global());
    assertEquals(8, cmd.spec().batch().virtualWorkers(), "spec() can be called again");
    assertTrue(run("lint", "--accumulate", "4", "--workers", "2").out().contains("k=8 kn=256"));
  }

  @Test
  void referenceRunDirectoryWithSameGlobalBatchButOtherN(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("config.json"), "{\"workers\":8,\"perWorkerBatch\":32,\"globalBatch\":256}");
    Outcome o = run("lint", "--workers", "4", "--batch-per-worker", "64", "--reference", dir.toString());
    assertTrue(o.out().contains("[per-worker-batch-changed] same global batch kn=256"), o.out());
    assertTrue(o.out().contains("n changes 32 → 64"), o.out());
    assertTrue(o.out().contains("fix: keep --batch-per-worker 32 --workers 8"), o.out());
  }

  /** Writes a tensor-less checkpoint of a k = 8, n = 32 run at step 10, with {@code extra} identity keys. */
  private static void saveK8Checkpoint(Path file, Map<String, String> extra) {
    Map<String, String> id = new LinkedHashMap<>();
    id.put("model", "resnet8");
    id.put("workers", "8");
    id.put("perWorkerBatch", "32");
    id.putAll(extra);
    Checkpoints.save(file, new Checkpoints.State(id, 10, new double[0], new LinkedHashMap<>(), Map.of()));
  }

  @Test
  void resumeWithAnotherWorkerCount(@TempDir Path dir) {
    Path ckpt = dir.resolve("c.bin");
    saveK8Checkpoint(ckpt, Map.of());
    Outcome o = run("lint", "--lr", "0.1", "--workers", "16", "--resume", ckpt.toString());
    assertEquals(1, o.code(), o.err());
    assertTrue(o.out().contains("[resume-worker-count-changed] " + ckpt + " was written with k=8 (kn=256, peak LR 0.1000)"),
        o.out());
    assertFalse(run("lint", "--workers", "8", "--resume", ckpt.toString()).out().contains("resume-worker-count-changed"));
  }

  @Test
  void decentralizedResumeIsLintedFromRankZerosFile(@TempDir Path dir) {
    Path rankZero = RankCheckpoints.fileOf(dir.resolve("c.bin"), 0);
    saveK8Checkpoint(rankZero, Map.of("sync", "decentralized"));
    Outcome o = run("lint", "--lr", "0.1", "--workers", "16", "--sync", "decentralized", "--resume", dir.resolve("c.bin").toString());
    assertEquals(1, o.code(), o.err());
    assertTrue(o.out().contains("[resume-worker-count-changed] " + rankZero + " was written with k=8"), o.out());
  }

  /** train runs the linter before the first step, on rank 0, and carries on. */
  @Test
  void trainPrintsLintWarningsAndRuns(@TempDir Path dir) {
    assumeTrue(Files.isDirectory(Datasets.DEFAULT_FASHION_MNIST), "needs Fashion-MNIST");
    Outcome o = run("train", "--model", "mlp", "--width", "1", "--train-limit", "512", "--workers", "4",
        "--epochs", "1", "--warmup", "none", "--decay-bias-and-norm", "--no-augment", "--threads", "1",
        "--out", dir.resolve("out").toString());
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("lint: [weight-decay-on-bias-and-norm]"), o.out());
    assertTrue(o.out().indexOf("lint: ") < o.out().indexOf("epoch"), "lint before training output: " + o.out());
    assertTrue(Files.exists(dir.resolve("out").resolve("metrics.jsonl")));
  }
}

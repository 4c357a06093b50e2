package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.autopilot.AutoBatchPlan;
import dev.bigbatch.lint.TrainStartLint;
import dev.bigbatch.train.Checkpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** --batch auto flags: bad values and combinations get one line naming the flag, exit 2, nothing written. */
class AutoBatchOptionsTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--batch 4096 | --batch takes only 'auto', got '4096'",
      "--max-batch 4096 | --max-batch only applies with --batch auto",
      "--min-batch 256 | --min-batch only applies with --batch auto",
      "--batch auto --min-batch 9000 | --min-batch 9000 exceeds --max-batch 8192",
      "--auto-grow | --auto-grow only applies with --batch auto",
      "--auto-measure-steps 20 | --auto-measure-steps only applies with --batch auto",
      "--auto-ema 0.9 | --auto-ema only applies with --batch auto",
      "--batch auto --max-batch 0 | --max-batch must be > 0",
      "--batch auto --auto-measure-steps 0 | --auto-measure-steps must be >= 1",
      "--batch auto --auto-ema 1 | --auto-ema must be in [0, 1)",
      "--batch auto --warmup legw | --warmup legw cannot be used with --batch auto",
      "--batch auto --accumulate 2 | --accumulate cannot be combined with --batch auto",
      "--batch auto --schedule autowu | --schedule autowu cannot be combined with --batch auto",
      "--batch auto --workers 1 | --batch auto measures at the starting --workers, which must be >= 2",
  })
  void badAutopilotFlagsGetOneLineAndExitTwo(String flags, String expected, @TempDir Path dir) {
    TrainCommandTest.assertRejected(flags, expected, dir);
  }

  /** P = 1 through the CLI on a slice of Fashion-MNIST: a decision is logged, and the checkpoint only resumes as auto. */
  @Test
  void runsEndToEndFromTheCommandLine(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(LaunchProcessTest.FMNIST), "Fashion-MNIST not installed");
    Path out = dir.resolve("auto");
    String[] args = ("train --model mlp --width 1 --train-limit 1024 -n 16 -k 2 --epochs 1 --warmup none --batch auto"
        + " --auto-measure-steps 4 --threads 1 --no-augment --out " + out).split(" ");
    assertEquals(0, Main.run(args));
    String metrics = Files.readString(out.resolve("metrics.jsonl"));
    assertTrue(metrics.contains("\"kind\":\"decision\"") && metrics.contains("\"bSimple\""), metrics);
    Checkpoints.State s = Checkpoints.load(out.resolve("checkpoint.bin"));
    assertTrue(s.sections().has(AutoBatchPlan.AUTOPILOT), "the autopilot's section is in the checkpoint");

    TrainCommandTest.Outcome o = TrainCommandTest.run("train", "--model", "mlp", "--width", "1", "--train-limit", "1024",
        "-n", "16", "-k", "2", "--epochs", "1", "--warmup", "none", "--threads", "1", "--no-augment",
        "--resume", out.resolve("checkpoint.bin").toString(), "--out", dir.resolve("fixed").toString());
    assertEquals(2, o.code(), o.err());
    assertTrue(o.err().contains("written by a --batch auto run"), o.err());
  }

  /** Warmup under --batch auto is on the epoch axis: the linter's whole-steps advice would be wrong there. */
  @Test
  void stepAxisWarmupLintIsDroppedUnderBatchAuto() {
    dev.bigbatch.spec.JobSpec.Builder b = dev.bigbatch.spec.JobSpec.builder();
    b.lr.warmupEpochs = 0.5; // with 3000 examples: 0.5 · floor(3000/256) = 5.5 steps, not whole
    java.io.PrintStream quiet = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
    assertTrue(TrainStartLint.check(b.build(), 3000, null, quiet).stream()
        .anyMatch(w -> w.ruleId().equals("warmup-not-whole-steps")), "fixed batch: the rule fires");
    b.batch.mode = dev.bigbatch.spec.BatchSpec.Mode.AUTO;
    assertTrue(TrainStartLint.check(b.build(), 3000, null, quiet).stream()
        .noneMatch(w -> TrainStartLint.STEP_AXIS_RULES.contains(w.ruleId())), "--batch auto: dropped");
  }
}

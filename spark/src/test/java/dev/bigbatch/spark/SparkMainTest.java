package dev.bigbatch.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.train.Checkpoints;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The command line: a local-mode run end to end, and bad input refused before Spark starts. */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a hung barrier stage fails the test instead of the build
class SparkMainTest {
  record Run(int exitCode, String err) {}

  static Run run(List<String> args) {
    StringWriter err = new StringWriter();
    int exitCode = SparkMain.run(new PrintWriter(err, true), args.toArray(String[]::new));
    return new Run(exitCode, err.toString());
  }

  static List<String> args(Path out, String... extra) {
    List<String> a = new ArrayList<>(List.of("--workers-processes", "2"));
    a.addAll(SparkTrainerTest.trainArgs(out, extra));
    return a;
  }

  @Test
  void trainsWithTheMasterFromSparkMaster(@TempDir Path dir) {
    Assumptions.assumeTrue(Files.isDirectory(SparkTrainerTest.FMNIST), "Fashion-MNIST not installed");
    System.setProperty("spark.master", "local[2]");
    System.setProperty("spark.ui.enabled", "false");
    try {
      Run r = run(args(dir));
      assertEquals(0, r.exitCode(), r.err());
    } finally {
      System.clearProperty("spark.master");
      System.clearProperty("spark.ui.enabled");
    }
    assertEquals(16, Checkpoints.load(dir.resolve("checkpoint.bin")).nextStep());
    assertTrue(Files.exists(dir.resolve("metrics.jsonl")), "rank 0 writes the metrics");
  }

  @Test
  void badInputExitsTwoBeforeSparkStarts(@TempDir Path dir) {
    Run noMaster = run(args(dir));
    assertEquals(2, noMaster.exitCode(), noMaster.err());
    assertTrue(noMaster.err().contains("no Spark master"), noMaster.err());

    Run uneven = run(List.of("--workers-processes", "3", "--workers", "4", "--out", dir.toString()));
    assertEquals(2, uneven.exitCode(), uneven.err());
    assertTrue(uneven.err().contains("--workers 4 is not a multiple of --workers-processes 3"), uneven.err());

    Run typo = run(List.of("--workers-processes", "2", "--no-such-flag"));
    assertEquals(2, typo.exitCode(), typo.err());
    assertTrue(typo.err().contains("--no-such-flag"), typo.err());
  }
}

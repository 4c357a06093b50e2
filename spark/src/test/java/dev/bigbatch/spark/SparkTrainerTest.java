package dev.bigbatch.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.cli.Main;
import dev.bigbatch.engine.Natives;
import dev.bigbatch.train.Checkpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The barrier stage in Spark local mode ({@code local[2,4]}: 2 slots, a task may fail up to 4 times) on a
 * 512-example Fashion-MNIST slice: 2 ranks equal one process with the same virtual workers, and a rank
 * that fails mid-run makes Spark rerun the gang, which resumes from the checkpoint and ends equal too.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a hung barrier stage fails the test instead of the build
class SparkTrainerTest {
  static final Path FMNIST = Path.of("/usr/share/datasets/fashion-mnist");

  static JavaSparkContext sc;
  @TempDir
  static Path dir;
  static float[] reference;

  static List<String> trainArgs(Path out, String... extra) {
    List<String> a = new ArrayList<>(List.of("--model", "resnet8", "--width", "4", "--workers", "4",
        "--batch-per-worker", "8", "--train-limit", "512", "--epochs", "1", "--warmup-epochs", "0.25",
        "--base-batch", "32", "--threads", "1", "--out", out.toString()));
    a.addAll(List.of(extra));
    return a;
  }

  @BeforeAll
  static void startSparkAndTrainTheReference() {
    Assumptions.assumeTrue(Files.isDirectory(FMNIST), "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
    Natives.ensureCached();
    List<String> single = new ArrayList<>(List.of("train"));
    single.addAll(trainArgs(dir.resolve("single")));
    assertEquals(0, Main.run(single.toArray(String[]::new)));
    reference = params(dir.resolve("single/checkpoint.bin"));
    sc = new JavaSparkContext(new SparkConf().setMaster("local[2,4]").setAppName("SparkTrainerTest")
        .set("spark.ui.enabled", "false"));
  }

  @AfterAll
  static void stopSpark() {
    if (sc != null) {
      sc.close();
    }
  }

  static float[] params(Path checkpoint) {
    List<float[]> parts = new ArrayList<>();
    int n = 0;
    for (Map.Entry<String, float[]> e : Checkpoints.load(checkpoint).tensors().entrySet()) {
      if (e.getKey().startsWith("param/")) {
        parts.add(e.getValue());
        n += e.getValue().length;
      }
    }
    float[] all = new float[n];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return all;
  }

  static void assertEqualsReference(Path checkpoint) {
    float[] b = params(checkpoint);
    assertEquals(reference.length, b.length);
    for (int i = 0; i < b.length; i++) {
      assertEquals(reference[i], b[i], 1e-5 * Math.max(1, Math.abs(reference[i])), "parameter element " + i);
    }
  }

  @Test
  void twoBarrierTasksEqualOneProcessWithVirtualWorkers() {
    Path out = dir.resolve("spark");
    List<RankReport> reports = new SparkTrainer(2, trainArgs(out)).run(sc);
    assertEquals(List.of(0, 1), reports.stream().map(RankReport::rank).toList());
    for (RankReport r : reports) {
      assertEquals(0, r.stageAttempt(), "no retry: " + r);
      assertEquals(16, r.stepsDone(), r.toString());
    }
    assertEqualsReference(out.resolve("checkpoint.bin"));

    // Submitted again with the same --out, the run continues from its checkpoint: here, at its end.
    for (RankReport r : new SparkTrainer(2, trainArgs(out)).run(sc)) {
      assertEquals(16, r.startStep(), r.toString());
      assertEquals(16, r.stepsDone(), r.toString());
    }
    assertEqualsReference(out.resolve("checkpoint.bin"));
  }

  @Test
  void failedRankRestartsTheGangWhichResumesFromTheCheckpoint() {
    Path out = dir.resolve("fault");
    List<RankReport> reports = new SparkTrainer(2, trainArgs(out, "--checkpoint-every", "4", "--comm-timeout", "5"))
        .failOnce(1, 9).run(sc);
    for (RankReport r : reports) {
      assertEquals(1, r.stageAttempt(), "the gang was rerun once: " + r);
      assertEquals(8, r.startStep(), "resumed from the step-8 checkpoint: " + r);
      assertEquals(16, r.stepsDone(), r.toString());
    }
    assertEqualsReference(out.resolve("checkpoint.bin"));
  }

  @Test
  void tooFewSlotsFailsNamingThem() {
    var trainer = new SparkTrainer(4, trainArgs(dir.resolve("slots"))).slotsTimeout(Duration.ofMillis(300));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> trainer.run(sc));
    assertTrue(e.getMessage().contains("needs 4 task slots") && e.getMessage().contains("offers 2"), e.getMessage());
  }

  @Test
  void workersMustSplitEvenlyOverProcesses() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SparkTrainer(3, trainArgs(dir.resolve("uneven"))));
    assertTrue(e.getMessage().contains("--workers 4 is not a multiple of --workers-processes 3"), e.getMessage());
  }
}

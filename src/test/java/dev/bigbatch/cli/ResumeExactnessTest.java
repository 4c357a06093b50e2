package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 17 item 6: a resume that would not continue the same run is refused in one line naming the settings that
 * differ (the checkpoint holds the whole job); settings that change no number (threads, --out) may differ.
 */
class ResumeExactnessTest {
  private static final List<String> RUN = List.of("--model", "mlp", "--width", "1", "--train-limit", "1024", "--lr",
      "0.1", "--epochs", "1", "--checkpoint-every", "2");
  @TempDir
  static Path shared;
  static Path checkpoint;

  @BeforeAll
  static void writeACheckpoint() {
    Assumptions.assumeTrue(Files.isDirectory(LaunchProcessTest.FMNIST), "Fashion-MNIST not installed");
    checkpoint = shared.resolve("first").resolve("checkpoint.bin");
    assertEquals(0, Main.run(args(List.of("--threads", "1", "--out", shared.resolve("first").toString()))));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--lr 0.2 | with --lr 0.1 but this run has --lr 0.2",
      "--train-limit 512 | with --train-limit 1024 but this run has --train-limit 512",
      "--no-augment | with --augment but this run has --no-augment",
      "--epochs 2 | with --epochs 1.0 but this run has --epochs 2.0",
      "--decay poly | with --decay cosine but this run has --decay poly",
      "--label-smoothing 0.1 | with --label-smoothing 0.0 but this run has --label-smoothing 0.1",
  })
  void aChangedSettingIsRefusedByName(String change, String saved, @TempDir Path dir) {
    List<String> flags = new ArrayList<>(List.of(change.trim().split("\\s+")));
    flags.addAll(List.of("--threads", "1", "--resume", checkpoint.toString(), "--out", dir.resolve("r").toString()));
    TrainCommandTest.Outcome o = TrainCommandTest.run(args(flags));
    assertEquals(2, o.code(), o.err());
    assertTrue(o.err().contains("checkpoint was written by a run with") && o.err().contains(saved), o.err());
    assertEquals(1, o.err().strip().lines().count(), o.err());
  }

  /** An intended change is named with --resume-allow; the run continues and says what the change does to the rate. */
  @Test
  void moreEpochsWhenAllowedAndStated(@TempDir Path dir) throws Exception {
    java.io.PrintStream old = System.out;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run(args(List.of("--epochs", "2", "--threads", "1", "--resume", checkpoint.toString(),
          "--resume-allow", "epochs", "--out", dir.resolve("r").toString())));
    } finally {
      System.setOut(old);
    }
    String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, code, text);
    // The saved run (1 epoch of 4 steps) had ended at step 4: the cosine decay now spans 8 steps.
    assertTrue(text.contains("resume: --epochs 1.0 → --epochs 2.0 (allowed by --resume-allow): at step 4 the learning "
        + "rate is") && text.contains("(the saved run's recipe: ended); the run now ends after 8 steps (was 4)"), text);
    assertEquals(List.of("\"step\":4", "\"step\":5", "\"step\":6", "\"step\":7"),
        Files.readAllLines(dir.resolve("r").resolve("metrics.jsonl")).stream()
            .filter(l -> l.contains("\"kind\":\"step\"")).map(l -> l.replaceAll(".*(\"step\":\\d+).*", "$1")).toList(),
        "the second epoch's four steps, into the new --out");
  }

  @Test
  void resumeAllowNeedsAKnownFlagAndAResume(@TempDir Path dir) {
    TrainCommandTest.Outcome o = TrainCommandTest.run(args(List.of("--threads", "1", "--resume", checkpoint.toString(),
        "--resume-allow", "colour", "--out", dir.resolve("r").toString())));
    assertEquals(2, o.code(), o.err());
    assertTrue(o.err().contains("--resume-allow: '--colour' is not a setting of the job"), o.err());
    TrainCommandTest.Outcome p = TrainCommandTest.run(args(List.of("--resume-allow", "epochs", "--out",
        dir.resolve("s").toString())));
    assertEquals(2, p.code(), p.err());
    assertTrue(p.err().contains("--resume-allow only applies with --resume"), p.err());
  }

  @Test
  void threadsAndOutputMayChange(@TempDir Path dir) {
    assertEquals(0, Main.run(args(List.of("--threads", "2", "--resume", checkpoint.toString(), "--out",
        dir.resolve("r").toString()))));
  }

  private static String[] args(List<String> more) {
    List<String> all = new ArrayList<>(List.of("train"));
    for (int i = 0; i < RUN.size(); i += 2) { // a flag given again in `more` replaces the run's own
      if (!more.contains(RUN.get(i))) {
        all.addAll(RUN.subList(i, i + 2));
      }
    }
    all.addAll(more);
    return all.toArray(String[]::new);
  }
}

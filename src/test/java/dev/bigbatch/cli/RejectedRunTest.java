package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 item 1: a command that is rejected changes nothing in an existing run directory. The job validates the
 * resume (settings, tensors, objective) and the process layout before it claims the directory or opens its metrics.
 */
class RejectedRunTest {
  private static final List<String> SMALL = List.of("--model", "mlp", "--train-limit", "1024",
      "--threads", "1", "--lr", "0.1");

  @BeforeEach
  void needsData() {
    Assumptions.assumeTrue(Files.isDirectory(LaunchProcessTest.FMNIST), "Fashion-MNIST not installed");
  }

  @Test
  void aResumeOfOtherSettingsLeavesTheRunAsItWas(@TempDir Path dir) throws Exception {
    Path a = dir.resolve("A");
    Path b = dir.resolve("B");
    assertEquals(0, Main.run(args("train", "--width", "1", "--epochs", "1", "--out", a.toString())));
    assertEquals(0, Main.run(args("train", "--width", "2", "--epochs", "0.5", "--warmup-epochs", "0.25", "--out",
        b.toString())));
    List<String> metrics = Files.readAllLines(a.resolve("metrics.jsonl"));
    String result = Files.readString(a.resolve("result.json"));
    List<String> listing = listing(a);

    TrainCommandTest.Outcome o = TrainCommandTest.run(args("train", "--width", "1", "--epochs", "1", "--out", a.toString(), "--resume",
        b.resolve("checkpoint.bin").toString()));
    assertEquals(2, o.code(), o.err());
    assertTrue(o.err().contains("resume with the same settings"), o.err());
    assertEquals(metrics, Files.readAllLines(a.resolve("metrics.jsonl")), "metrics untouched");
    assertEquals(result, Files.readString(a.resolve("result.json")), "result untouched");
    assertEquals(listing, listing(a), "no file added or removed");
  }

  @Test
  void aBadProcessLayoutUnderLaunchLeavesTheRunAsItWas(@TempDir Path dir) throws Exception {
    Path a = dir.resolve("A");
    assertEquals(0, Main.run(args("train", "--width", "1", "--epochs", "1", "--out", a.toString())));
    List<String> metrics = Files.readAllLines(a.resolve("metrics.jsonl"));
    List<String> listing = listing(a);
    int code = Main.run(args("launch", "--nproc", "2", "--", "train", "--width", "1", "--workers", "3", "--epochs", "1", "--out",
        a.toString()));
    assertEquals(2, code, "each rank refuses --workers 3 over 2 processes");
    assertEquals(metrics, Files.readAllLines(a.resolve("metrics.jsonl")), "metrics untouched");
    assertEquals(listing, listing(a), "no file added or removed");
  }

  private static String[] args(String command, String... more) {
    List<String> all = new java.util.ArrayList<>();
    all.add(command);
    int dashes = List.of(more).indexOf("--");
    if (dashes >= 0) { // launch … -- train FLAGS: the small-run flags go after train
      all.addAll(List.of(more).subList(0, dashes + 2));
      all.addAll(SMALL);
      all.addAll(List.of(more).subList(dashes + 2, more.length));
    } else {
      all.addAll(SMALL);
      all.addAll(List.of(more));
    }
    return all.toArray(String[]::new);
  }

  private static List<String> listing(Path dir) throws Exception {
    try (var files = Files.walk(dir)) {
      return files.map(p -> dir.relativize(p).toString()).sorted().toList();
    }
  }
}

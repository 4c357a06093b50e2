package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.Specs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --config run/config.json} reruns the run exactly; flags given as well override the file. */
class ConfigRerunTest {
  private static final String[] RUN = {"--model", "mlp", "--width", "1", "--train-limit", "512", "-n", "16", "-k", "4",
      "--epochs", "1", "--lr", "0.1", "--warmup-epochs", "0.25", "--threads", "1", "--no-augment", "--seed", "3"};

  @Test
  void rerunFromConfigJsonIsBitIdentical(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(LaunchProcessTest.FMNIST), "Fashion-MNIST not installed");
    Path first = dir.resolve("first");
    Path again = dir.resolve("again");
    assertEquals(0, Main.run(args("train", RUN, "--out", first.toString())));
    assertEquals(0, Main.run("train", "--config", first.resolve("config.json").toString(), "--out", again.toString()));
    assertEquals(steps(first), steps(again), "the same losses and learning rates, step for step");

    var recorded = Specs.JSON.readTree(again.resolve("config.json").toFile());
    assertEquals(List.of("--config", first.resolve("config.json").toString(), "--out", again.toString()),
        Specs.JSON.convertValue(recorded.path("commandLine"), List.class), "the command line that started the run");
    assertTrue(!recorded.path("version").asText().isBlank(), "the version that ran it");

    JobSpec original = Specs.read(first.resolve("config.json"));
    JobSpec rerun = Specs.read(again.resolve("config.json"));
    JobSpec.Builder expected = original.toBuilder();
    expected.output.dir = again;
    assertEquals(expected.build(), rerun, "only --out changed");
  }

  @Test
  void flagsOverrideTheFileAndDefaultsDoNot(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("config.json");
    JobSpec.Builder b = JobSpec.builder();
    b.lr.base = 0.05;
    b.data.augment = false;
    b.batch.workers = 4;
    Files.writeString(file, "{\"job\": " + Specs.json(b.build()) + "}");
    JobSpec s = TrainCommand.parse("--config", file.toString(), "--epochs", "3", "--augment").spec();
    assertEquals(0.05, s.lr().base(), "not given: the file's value, not the flag's default");
    assertEquals(4, s.batch().workers());
    assertEquals(3, s.epochs(), "given: the flag wins");
    assertTrue(s.data().augment(), "--augment, the negated --no-augment, overrides the file's false");
  }

  @Test
  void aBadConfigFileIsOneLineAndExitTwo(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"job\": {\"batch\": {\"workers\": 0}}}");
    TrainCommandTest.assertRejected("--config " + file, "--workers must be > 0", dir);
    Files.writeString(file, "{\"job\": {\"batch\": {\"wrokers\": 4}}}");
    TrainCommandTest.assertRejected("--config " + file, file + ": batch.wrokers", dir);
  }

  private static String[] args(String first, String[] middle, String... last) {
    String[] all = new String[1 + middle.length + last.length];
    all[0] = first;
    System.arraycopy(middle, 0, all, 1, middle.length);
    System.arraycopy(last, 0, all, 1 + middle.length, last.length);
    return all;
  }

  /** (step, loss, lr) of every step line: the numbers of the run, without its timings. */
  static List<String> steps(Path run) throws Exception {
    return Files.readAllLines(run.resolve("metrics.jsonl")).stream().map(line -> {
      try {
        return Specs.JSON.readTree(line);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }).filter(n -> n.path("kind").asText().equals("step"))
        .map(n -> n.path("step").asLong() + " " + n.path("loss").asDouble() + " " + n.path("lr").asDouble())
        .collect(Collectors.toList());
  }
}
